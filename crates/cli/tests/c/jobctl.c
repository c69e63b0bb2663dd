/* Job control on the controlling terminal (run under a pty): the
 * foreground group (tcgetpgrp/tcsetpgrp), the terminal's session,
 * SIGTTOU for tcsetpgrp and SIGTTIN for a read from a background group
 * (or EIO/success when ignored or blocked), and no controlling terminal
 * after setsid. It first makes a group of its own and puts it in the
 * foreground, so that every group it names is its own or a child's (run
 * it as a shell's child, not as the session leader). */
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include "check.h"

static volatile int handled;
static void on_sig(int sig) { handled = sig; }

/* A child in a background group of its own runs `f` and exits with its
 * result; the parent shows how it ended. */
static void in_background(const char *what, int (*f)(void)) {
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        _exit(f());
    }
    setpgid(c, c);
    int st;
    pid_t r = waitpid(c, &st, WUNTRACED);
    if (r == c && WIFSTOPPED(st)) {
        printf("%-34s stopped by %d\n", what, WSTOPSIG(st));
        kill(c, SIGKILL);
        waitpid(c, &st, 0);
    } else if (r == c && WIFEXITED(st)) {
        printf("%-34s exited %d\n", what, WEXITSTATUS(st));
    } else {
        printf("%-34s ?\n", what);
    }
}

static int take_terminal(void) { return tcsetpgrp(0, getpgrp()) == 0 ? 0 : errno; }

static int take_terminal_blocked(void) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTTOU);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int r = take_terminal();
    /* Ours now: give it back to the parent's group. */
    tcsetpgrp(0, getpgid(getppid()));
    return r == 0 ? 10 : r;
}

static int take_terminal_handled(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigaction(SIGTTOU, &sa, NULL);
    int r = take_terminal();
    return handled == SIGTTOU ? 100 + r : r;
}

static int read_terminal(void) {
    char b;
    return read(0, &b, 1) < 0 ? errno : 0;
}

static int read_terminal_ignored(void) {
    signal(SIGTTIN, SIG_IGN);
    return read_terminal();
}

static int no_terminal(void) {
    pid_t g = fork(); /* not a group leader: setsid works */
    if (g == 0) {
        int s = setsid() < 0 ? errno : 0;
        int pg = tcgetpgrp(0) < 0 ? errno : 0;
        int set = tcsetpgrp(0, getpgrp()) < 0 ? errno : 0;
        int sid = tcgetsid(0) < 0 ? errno : 0;
        _exit(s == 0 && pg == ENOTTY && set == ENOTTY && sid == ENOTTY ? 7 : 1);
    }
    int st;
    waitpid(g, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

/* Ctrl-C (typed by the test once "ready" shows) reaches the foreground
 * group only: a child's group here, not ours. */
static int ctrl_c(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigaction(SIGINT, &sa, NULL);
    signal(SIGTTOU, SIG_IGN);
    setpgid(0, 0);
    tcsetpgrp(0, getpgrp());
    int go[2];
    pipe(go);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        char b;
        read(go[0], &b, 1);
        while (!handled)
            pause();
        _exit(handled == SIGINT ? 3 : 4);
    }
    setpgid(c, c);
    tcsetpgrp(0, c);
    write(go[1], "g", 1);
    printf("ready\n");
    int st;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR)
        ;
    tcsetpgrp(0, getpgrp());
    printf("child exited %d, parent got SIGINT: %d\n", WEXITSTATUS(st), handled == SIGINT);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "ctrl-c") == 0)
        return ctrl_c();
    printf("stdin is a tty: %d\n", isatty(0));
    printf("foreground is my group: %d\n", tcgetpgrp(0) == getpgrp());
    printf("terminal's session is mine: %d\n", tcgetsid(0) == getsid(0));
    int p[2];
    pipe(p);
    SHOW(tcgetpgrp(p[0]));
    SHOW(tcgetpgrp(99));
    SHOW(ioctl(0, TIOCGPGRP, BAD_PTR));

    /* A group of our own, in the foreground (SIGTTOU ignored meanwhile:
     * after setpgid we are in the background). */
    signal(SIGTTOU, SIG_IGN);
    SHOW(setpgid(0, 0));
    printf("foreground is my group: %d\n", tcgetpgrp(0) == getpgrp());
    SHOW(tcsetpgrp(0, getpgrp()));
    printf("foreground is my group: %d\n", tcgetpgrp(0) == getpgrp());
    SHOW(tcsetpgrp(0, -1));
    SHOW(tcsetpgrp(0, 999999));
    SHOW(ioctl(0, TIOCSPGRP, BAD_PTR));
    SHOW(tcsetpgrp(p[0], getpgrp()));
    signal(SIGTTOU, SIG_DFL);

    /* A child's group in the foreground, then ours again. */
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        pause();
        _exit(0);
    }
    setpgid(c, c);
    SHOW(tcsetpgrp(0, c));
    printf("foreground is the child's: %d\n", tcgetpgrp(0) == c);
    signal(SIGTTOU, SIG_IGN);
    SHOW(tcsetpgrp(0, getpgrp()));
    signal(SIGTTOU, SIG_DFL);
    printf("foreground is my group: %d\n", tcgetpgrp(0) == getpgrp());
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);

    /* From the background. */
    in_background("tcsetpgrp", take_terminal);
    in_background("tcsetpgrp, SIGTTOU blocked", take_terminal_blocked);
    printf("foreground is my group: %d\n", tcgetpgrp(0) == getpgrp());
    in_background("tcsetpgrp, SIGTTOU handled", take_terminal_handled);
    in_background("read", read_terminal);
    in_background("read, SIGTTIN ignored", read_terminal_ignored);
    in_background("after setsid", no_terminal);
    return 0;
}
