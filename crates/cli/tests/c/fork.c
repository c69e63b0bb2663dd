/* fork and wait: exit statuses of every shape, a tree of processes,
 * WNOHANG, ECHILD, the child's own copy of memory, inherited fds. Children
 * report through exit codes so the output order is fixed. */
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "check.h"

static int shared_value = 1;

static void show_status(const char *what, int st) {
    printf("%s: exited=%d code=%d signaled=%d sig=%d\n", what, WIFEXITED(st),
           WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st),
           WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

int main(void) {
    int st;
    pid_t me = getpid();
    pid_t c = fork();
    if (c == 0) _exit(getppid() == me ? 3 : 4);
    SHOW(waitpid(c, &st, 0) == c);
    show_status("exit 3", st);

    c = fork();
    if (c == 0) { raise(SIGKILL); _exit(0); }
    SHOW(waitpid(c, &st, 0) == c);
    show_status("SIGKILL", st);

    c = fork();
    if (c == 0) { *(volatile int *)8 = 1; _exit(0); }
    SHOW(waitpid(c, &st, 0) == c);
    show_status("SIGSEGV", st);

    c = fork();
    if (c == 0) { shared_value = 99; _exit(shared_value); }
    SHOW(wait(&st) == c);
    show_status("own memory", st);
    printf("parent still sees %d\n", shared_value);

    /* A tree: three children, each with a grandchild it waits for. */
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            pid_t g = fork();
            if (g == 0) _exit(10 + i);
            int gs;
            if (waitpid(g, &gs, 0) != g) _exit(1);
            _exit(WEXITSTATUS(gs) + 10);
        }
    }
    for (int i = 2; i >= 0; i--) {
        SHOW(waitpid(kids[i], &st, 0) == kids[i]);
        printf("child %d: %d\n", i, WEXITSTATUS(st));
    }

    /* WNOHANG on a running child, then ECHILD once all are reaped. */
    int fds[2];
    pipe(fds);
    c = fork();
    if (c == 0) { char b; close(fds[1]); read(fds[0], &b, 1); _exit(5); }
    close(fds[0]);
    SHOW(waitpid(c, &st, WNOHANG));
    write(fds[1], "x", 1);
    SHOW(waitpid(c, &st, 0) == c);
    show_status("after pipe", st);
    SHOW(waitpid(-1, &st, WNOHANG));
    SHOW(wait(&st));
    SHOW(waitpid(12345, &st, 0));
    SHOW(waitpid(c, &st, 0x40000000));

    /* A file offset is shared between parent and child. */
    int f = open("/usr/include/stdio.h", O_RDONLY);
    c = fork();
    if (c == 0) { char b[100]; read(f, b, 100); _exit(0); }
    waitpid(c, &st, 0);
    SHOW(lseek(f, 0, SEEK_CUR));
    struct rusage ru;
    c = fork();
    if (c == 0) _exit(0);
    SHOW(wait4(c, &st, 0, &ru) == c);
    return 0;
}
