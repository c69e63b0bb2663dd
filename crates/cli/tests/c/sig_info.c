/* SA_SIGINFO handlers: siginfo_t as each sender fills it (kill, tkill,
 * raise, sigqueue), SA_RESETHAND, and the errors of rt_sigaction, kill,
 * tgkill and sigqueue. */
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "check.h"

static volatile int last_sig, last_code, last_pid_ok, last_uid_ok, last_value, count;

static void handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    last_sig = si->si_signo == sig ? sig : -1;
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid();
    last_uid_ok = si->si_uid == getuid();
    last_value = si->si_value.sival_int;
    count++;
}

static void show(const char *what) {
    printf("%-28s sig=%d code=%d pid_ok=%d uid_ok=%d count=%d\n", what, last_sig,
           last_code, last_pid_ok, last_uid_ok, count);
    last_sig = last_code = last_pid_ok = last_uid_ok = 0;
}

static void plain_handler(int sig) { last_sig = sig; count++; }

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0}, old;
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    SHOW(sigaction(SIGUSR1, &sa, NULL));
    SHOW(sigaction(SIGRTMIN + 1, &sa, NULL));

    kill(getpid(), SIGUSR1);
    show("kill(getpid())");
    syscall(SYS_tkill, syscall(SYS_gettid), SIGUSR1);
    show("tkill");
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    show("tgkill");
    raise(SIGUSR1);
    show("raise");
    union sigval v = {.sival_int = 1234};
    SHOW(sigqueue(getpid(), SIGRTMIN + 1, v));
    show("sigqueue");
    printf("value=%d\n", last_value);

    /* The old action comes back as set, with unknown flags dropped. */
    sa.sa_flags = SA_SIGINFO | 0x400 /* SA_UNSUPPORTED */;
    SHOW(sigaction(SIGUSR2, &sa, NULL));
    SHOW(sigaction(SIGUSR2, NULL, &old));
    printf("flags siginfo=%d unsupported=%d same_handler=%d\n", !!(old.sa_flags & SA_SIGINFO),
           !!(old.sa_flags & 0x400), old.sa_sigaction == handler);

    /* SA_RESETHAND: the second one takes the default action (ignored). */
    struct sigaction once = {0};
    once.sa_handler = plain_handler;
    once.sa_flags = SA_RESETHAND;
    SHOW(sigaction(SIGWINCH, &once, NULL));
    raise(SIGWINCH);
    SHOW(sigaction(SIGWINCH, NULL, &old));
    printf("after resethand: count=%d dfl=%d\n", count, old.sa_handler == SIG_DFL);
    raise(SIGWINCH);
    printf("second: count=%d\n", count);

    /* Ignored signals vanish. */
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored: count=%d\n", count);

    /* Errors. */
    SHOW(sigaction(SIGKILL, &sa, NULL));
    SHOW(sigaction(SIGSTOP, &sa, NULL));
    SHOW(sigaction(0, &sa, NULL));
    SHOW(sigaction(65, &sa, NULL));
    SHOW(sigaction(SIGKILL, NULL, &old));
    SHOW(syscall(SYS_rt_sigaction, SIGUSR1, BAD_PTR, NULL, 8));
    SHOW(syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD_PTR, 8));
    SHOW(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4));
    SHOW(syscall(SYS_rt_sigprocmask, 99, &sa.sa_mask, NULL, 8));
    SHOW(syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD_PTR, NULL, 8));
    SHOW(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 16));
    SHOW(kill(getpid(), 65));
    SHOW(kill(getpid(), -1));
    SHOW(kill(99999, SIGUSR1));
    SHOW(kill(getpid(), 0));
    SHOW(kill(-99999, SIGUSR1));
    SHOW(syscall(SYS_tgkill, 0, 1, SIGUSR1));
    SHOW(syscall(SYS_tgkill, getpid(), 99999, SIGUSR1));
    SHOW(syscall(SYS_tgkill, getpid() + 1000, syscall(SYS_gettid), SIGUSR1));
    SHOW(syscall(SYS_tkill, -1, SIGUSR1));
    siginfo_t si = {0};
    si.si_code = SI_USER;
    SHOW(syscall(SYS_rt_sigqueueinfo, getppid(), SIGUSR1, &si));
    SHOW(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, BAD_PTR));
    printf("count=%d\n", count);

    /* Default action: the process dies of SIGTERM. */
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}
