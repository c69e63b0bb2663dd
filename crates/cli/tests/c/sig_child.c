/* Signals and children: a child that ignores a signal survives it;
 * default actions end children with the right wait status; the parent's
 * SIGCHLD handler sees si_code, si_pid and si_status; handlers are
 * inherited by fork; a parent that ignores SIGCHLD (or sets
 * SA_NOCLDWAIT) leaves no zombie (wait gives ECHILD). */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

static volatile int chld_code, chld_status, chld_pid, chld_count;
static void on_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid = si->si_pid;
    chld_count++;
}

static void msleep(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static const char *code_name(int c) {
    switch (c) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    default: return "?";
    }
}

static void show_status(const char *what, pid_t c, int st) {
    if (WIFEXITED(st))
        printf("%-24s exited %d", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%-24s killed by %d", what, WTERMSIG(st));
    /* The handler ran by the time waitpid returned (SIGCHLD comes first). */
    printf(" | sigchld %s status=%d pid_ok=%d count=%d\n", code_name(chld_code), chld_status,
           chld_pid == c, chld_count);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    SHOW(sigaction(SIGCHLD, &sa, NULL));
    int ready[2];
    pipe(ready);
    char c;
    int st;

    /* 1. A child that ignores SIGTERM survives it. */
    pid_t k = fork();
    if (k == 0) {
        signal(SIGTERM, SIG_IGN);
        write(ready[1], "r", 1);
        msleep(300);
        _exit(7);
    }
    read(ready[0], &c, 1);
    SHOW(kill(k, SIGTERM));
    waitpid(k, &st, 0);
    show_status("ignoring child", k, st);

    /* 2. A handler inherited by fork runs in the child. */
    k = fork();
    if (k == 0) {
        raise(SIGCHLD);
        _exit(chld_count == 1 ? 8 : 9);
    }
    waitpid(k, &st, 0);
    show_status("inherited handler", k, st);

    /* 3. Default actions. */
    k = fork();
    if (k == 0) {
        write(ready[1], "r", 1);
        pause();
        _exit(1);
    }
    read(ready[0], &c, 1);
    SHOW(kill(k, SIGUSR1));
    waitpid(k, &st, 0);
    show_status("SIGUSR1 default", k, st);

    k = fork();
    if (k == 0) {
        abort();
    }
    waitpid(k, &st, 0);
    show_status("abort", k, st);

    k = fork();
    if (k == 0) {
        write(ready[1], "r", 1);
        for (;;)
            ;
    }
    read(ready[0], &c, 1);
    SHOW(kill(k, SIGKILL));
    waitpid(k, &st, 0);
    show_status("SIGKILL, busy loop", k, st);

    k = fork();
    if (k == 0) {
        signal(SIGINT, SIG_IGN);
        write(ready[1], "r", 1);
        msleep(2000);
        _exit(1);
    }
    read(ready[0], &c, 1);
    SHOW(kill(k, SIGINT));
    SHOW(kill(k, SIGKILL));
    waitpid(k, &st, 0);
    show_status("SIGKILL, sleeping", k, st);

    /* 4. SIGCHLD ignored: no zombies. */
    signal(SIGCHLD, SIG_IGN);
    k = fork();
    if (k == 0)
        _exit(0);
    msleep(100);
    SHOW(waitpid(k, &st, 0));
    SHOW(waitpid(-1, &st, WNOHANG));

    /* 5. SA_NOCLDWAIT with a handler: still no zombie, but a signal. */
    chld_count = 0;
    sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
    SHOW(sigaction(SIGCHLD, &sa, NULL));
    k = fork();
    if (k == 0)
        _exit(4);
    /* Waits for it to end, then finds no child to report. */
    SHOW(waitpid(-1, &st, 0));
    printf("nocldwait: count=%d status=%d\n", chld_count, chld_status);
    return 0;
}
