/* kill of a process group: kill(0) and kill(-pgid) reach every member
 * (the sender too), not a child that moved to a group of its own;
 * killpg with signal 0 checks; errors for empty groups. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

static volatile int got;
static void handler(int sig) { (void)sig; got++; }

/* A child that waits (signals unblocked) up to 1 s for SIGUSR1 and exits
 * 10 + how many it got; in its own group if asked. */
static pid_t member(int own_group, int ready) {
    pid_t p = fork();
    if (p == 0) {
        if (own_group)
            setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        write(ready, "r", 1);
        struct timespec ts = {1, 0};
        sigset_t usr1;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        /* SIGUSR1 stays blocked: sigtimedwait takes it. */
        siginfo_t si;
        int s = sigtimedwait(&usr1, &si, &ts);
        _exit(10 + (s == SIGUSR1));
    }
    return p;
}

static int test(void);

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    /* The test runs in a child leading a group of its own: the signals
     * reach nobody outside the test, and the group is never 1 (kill(-1)
     * means every process). */
    pid_t leader = fork();
    if (leader == 0) {
        setpgid(0, 0);
        _exit(test());
    }
    int st;
    waitpid(leader, &st, 0);
    return WEXITSTATUS(st);
}

static int test(void) {
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);

    int ready[2];
    pipe(ready);
    pid_t kids[4];
    kids[0] = member(0, ready[1]);
    kids[1] = member(0, ready[1]);
    kids[2] = member(1, ready[1]);
    kids[3] = member(0, ready[1]);
    char c;
    for (int i = 0; i < 4; i++)
        read(ready[0], &c, 1);
    /* The child in its own group has set it before saying ready. */
    SHOW(kill(0, SIGUSR1));
    for (int i = 0; i < 4; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        printf("child %d: %d\n", i, WEXITSTATUS(st));
    }
    sigset_t p;
    sigpending(&p);
    printf("sender got it too: %d\n", sigismember(&p, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    printf("handled: %d\n", got);

    /* kill(-pgid) by number. */
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    kids[0] = member(0, ready[1]);
    read(ready[0], &c, 1);
    SHOW(kill(-getpgrp(), SIGUSR1));
    int st;
    waitpid(kids[0], &st, 0);
    printf("child by -pgid: %d\n", WEXITSTATUS(st));
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    printf("handled: %d\n", got);

    SHOW(killpg(getpgrp(), 0));
    SHOW(killpg(999999, SIGUSR1));
    SHOW(kill(-999999, 0));
    SHOW(killpg(-5, SIGUSR1));
    return 0;
}
