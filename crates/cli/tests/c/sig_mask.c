/* Blocked signals stay pending (standard ones once, real-time ones each
 * time) and are delivered when unblocked, before sigprocmask returns;
 * SIGKILL and SIGSTOP cannot be blocked; ignoring a pending signal
 * discards it. */
#include <signal.h>
#include <string.h>
#include "check.h"

static char order[256];

static void handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    char buf[32];
    snprintf(buf, sizeof buf, "%d/%d ", sig, si->si_value.sival_int);
    strcat(order, buf);
}

static void show_pending(const char *when) {
    sigset_t p;
    sigpending(&p);
    printf("%s: pending usr1=%d usr2=%d rt0=%d rt1=%d term=%d\n", when, sigismember(&p, SIGUSR1),
           sigismember(&p, SIGUSR2), sigismember(&p, SIGRTMIN), sigismember(&p, SIGRTMIN + 1),
           sigismember(&p, SIGTERM));
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    int sigs[] = {SIGUSR1, SIGUSR2, SIGRTMIN, SIGRTMIN + 1};
    for (int i = 0; i < 4; i++)
        SHOW(sigaction(sigs[i], &sa, NULL));

    sigset_t set, old;
    sigemptyset(&set);
    for (int i = 0; i < 4; i++)
        sigaddset(&set, sigs[i]);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    SHOW(sigprocmask(SIG_BLOCK, &set, &old));
    sigprocmask(SIG_BLOCK, NULL, &old);
    printf("blocked: usr1=%d term=%d kill=%d stop=%d\n", sigismember(&old, SIGUSR1),
           sigismember(&old, SIGTERM), sigismember(&old, SIGKILL), sigismember(&old, SIGSTOP));

    union sigval v;
    raise(SIGUSR2);
    raise(SIGUSR1);
    raise(SIGUSR1);
    for (int i = 1; i <= 3; i++) {
        v.sival_int = i;
        sigqueue(getpid(), SIGRTMIN + 1, v);
    }
    v.sival_int = 9;
    sigqueue(getpid(), SIGRTMIN, v);
    raise(SIGTERM);
    show_pending("blocked");
    printf("delivered so far: '%s'\n", order);

    /* Ignoring a pending signal discards it. */
    signal(SIGTERM, SIG_IGN);
    show_pending("term ignored");
    signal(SIGTERM, SIG_DFL);

    sigset_t some;
    sigemptyset(&some);
    sigaddset(&some, SIGUSR2);
    SHOW(sigprocmask(SIG_UNBLOCK, &some, NULL));
    printf("after unblocking usr2: '%s'\n", order);
    order[0] = 0;
    SHOW(sigprocmask(SIG_SETMASK, &old, NULL));
    SHOW(sigprocmask(SIG_UNBLOCK, &set, NULL));
    printf("after unblocking all: '%s'\n", order);
    show_pending("end");

    /* A blocked signal whose default is to be ignored is still kept. */
    sigemptyset(&some);
    sigaddset(&some, SIGCHLD);
    sigprocmask(SIG_BLOCK, &some, NULL);
    raise(SIGCHLD);
    sigpending(&set);
    printf("blocked sigchld pending=%d\n", sigismember(&set, SIGCHLD));
    sigprocmask(SIG_UNBLOCK, &some, NULL);
    sigpending(&set);
    printf("unblocked sigchld pending=%d\n", sigismember(&set, SIGCHLD));
    /* And an unblocked one is dropped at once. */
    raise(SIGCHLD);
    raise(SIGWINCH);
    raise(SIGURG);
    printf("still here\n");
    return 0;
}
