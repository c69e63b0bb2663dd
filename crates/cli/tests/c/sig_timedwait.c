/* sigtimedwait and sigwaitinfo: timeouts, the order pending signals are
 * taken in (lowest first, real-time ones queued with their values), a
 * signal from a child waking the wait with its siginfo, EINTR when a
 * handled signal outside the set arrives, and the errors. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

static volatile int handled;
static void handler(int sig) { (void)sig; handled++; }

/* A child that sends `sig` after 100 ms and ends 300 ms later. */
static pid_t later(int sig) {
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        kill(parent, sig);
        ts.tv_nsec = 300000000;
        nanosleep(&ts, NULL);
        _exit(0);
    }
    return c;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    siginfo_t si;
    struct timespec zero = {0, 0}, short_wait = {0, 50000000};
    SHOW(sigtimedwait(&set, &si, &zero));
    SHOW(sigtimedwait(&set, &si, &short_wait));

    union sigval v;
    for (int i = 1; i <= 3; i++) {
        v.sival_int = i * 10;
        sigqueue(getpid(), SIGRTMIN, v);
    }
    raise(SIGUSR1);
    raise(SIGUSR1);
    for (int i = 0; i < 5; i++) {
        int s = sigtimedwait(&set, &si, &zero);
        printf("took %d%s value=%d code=%d\n", s, s == SIGUSR1 ? " (usr1)" : s == SIGRTMIN ? " (rtmin)" : "",
               s == SIGRTMIN ? si.si_value.sival_int : 0, s > 0 ? si.si_code : 0);
    }

    pid_t c = later(SIGUSR1);
    int s = sigwaitinfo(&set, &si);
    printf("from child: sig=%d pid_ok=%d code=%d\n", s, si.si_pid == c, si.si_code);
    waitpid(c, NULL, 0);
    /* The child's end left SIGCHLD pending (blocked, in the set). */
    s = sigtimedwait(&set, &si, &zero);
    printf("sigchld: sig=%d code=%d pid_ok=%d status=%d\n", s, si.si_code, si.si_pid == c, si.si_status);

    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sigaction(SIGUSR2, &sa, NULL);
    c = later(SIGUSR2);
    struct timespec long_wait = {5, 0};
    SHOW(sigtimedwait(&set, &si, &long_wait));
    printf("handled=%d\n", handled);
    waitpid(c, NULL, 0);
    sigtimedwait(&set, &si, &zero); /* its SIGCHLD */

    struct timespec bad = {0, 1000000000};
    SHOW(sigtimedwait(&set, &si, &bad));
    SHOW(syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, 4));
    SHOW(syscall(SYS_rt_sigtimedwait, BAD_PTR, NULL, &zero, 8));
    SHOW(syscall(SYS_rt_sigtimedwait, &set, NULL, BAD_PTR, 8));
    raise(SIGUSR1);
    SHOW(syscall(SYS_rt_sigtimedwait, &set, BAD_PTR, &zero, 8));
    SHOW(syscall(SYS_rt_sigpending, &set, 16));
    return 0;
}
