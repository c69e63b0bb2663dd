/* Orphaned process groups: when an exit leaves a process group with no
 * member whose parent is in another group of the same session, and a
 * member is stopped, the whole group gets SIGHUP then SIGCONT. Both ways
 * Linux checks: the process that ends was the group's link to its
 * parent's group, or it was the parent of the link. A group with no
 * stopped member gets nothing. Each case runs in a session of its own. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "check.h"

static int out;

static void on_sig(int sig) {
    char c = sig == SIGHUP ? 'H' : sig == SIGCONT ? 'C' : '?';
    write(out, &c, 1);
}

/* The member that stops (or not) and reports what it receives. */
static void member(int stop) {
    signal(SIGHUP, on_sig);
    signal(SIGCONT, on_sig);
    if (stop)
        raise(SIGSTOP);
    else
        pause();
    usleep(100000); /* both signals */
    write(out, ".", 1);
    _exit(0);
}

/* Everything the members wrote, until the last write end closes. */
static void show_received(const char *what, int fd) {
    char buf[32];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) > 0)
        len += n;
    printf("%-20s %.*s\n", what, (int)len, buf);
}

/* Makes a group: this process leads it and forks `d`, the member. */
static pid_t group_with_member(int stop) {
    setpgid(0, 0);
    pid_t d = fork();
    if (d == 0)
        member(stop);
    return d;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    alarm(20); /* a group never continued would leave the reads blocked */
    SHOW(kill(-999999, 0));
    int p[2];

    /* 1. The link ends: C (session leader) forks E, E makes group G with
     * a stopped member D, then E ends. */
    pipe(p);
    out = p[1];
    pid_t c = fork();
    if (c == 0) {
        setsid();
        pid_t e = fork();
        if (e == 0) {
            pid_t d = group_with_member(1);
            int st;
            waitpid(d, &st, WUNTRACED);
            _exit(0);
        }
        waitpid(e, NULL, 0);
        usleep(300000);
        _exit(0);
    }
    close(p[1]);
    show_received("link ends:", p[0]);
    close(p[0]);
    waitpid(c, NULL, 0);

    /* 2. The link's parent ends: C (session leader) forks E, E makes G
     * with a stopped member D and stays; C ends. E gets SIGHUP too. */
    pipe(p);
    out = p[1];
    int sync[2];
    pipe(sync);
    c = fork();
    if (c == 0) {
        setsid();
        pid_t e = fork();
        if (e == 0) {
            pid_t d = group_with_member(1);
            int st;
            waitpid(d, &st, WUNTRACED);
            write(sync[1], "s", 1);
            for (;;)
                pause();
        }
        char b;
        read(sync[0], &b, 1);
        _exit(0);
    }
    close(p[1]);
    close(sync[1]);
    show_received("link's parent ends:", p[0]);
    close(p[0]);
    close(sync[0]);
    waitpid(c, NULL, 0);

    /* 3. No stopped member: nothing is sent. */
    pipe(p);
    out = p[1];
    pipe(sync);
    c = fork();
    if (c == 0) {
        setsid();
        pid_t e = fork();
        if (e == 0) {
            pid_t d = group_with_member(0);
            char num[16];
            int len = snprintf(num, sizeof num, "%d", d);
            write(sync[1], num, len);
            _exit(0);
        }
        waitpid(e, NULL, 0);
        _exit(0);
    }
    close(sync[1]);
    char num[16] = "";
    read(sync[0], num, sizeof num - 1);
    waitpid(c, NULL, 0);
    usleep(200000);
    pid_t d = (pid_t)atoi(num);
    kill(d, SIGTERM);
    close(p[1]);
    show_received("nothing stopped:", p[0]);
    close(p[0]);
    close(sync[0]);
    return 0;
}
