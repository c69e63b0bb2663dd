/* Timers that send signals: alarm's remaining seconds, setitimer one-shot
 * and periodic with a SIGALRM handler, getitimer, POSIX timers (signal
 * with a value, the default sigevent, SIGEV_NONE, periodic, absolute),
 * their errors, and a SIGALRM at its default action ending the process. */
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include "check.h"

static volatile int alarms;
static void on_alrm(int sig) { (void)sig; alarms++; }

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    SHOW(alarm(5));
    /* What was left, rounded to the nearest second (a loaded machine may
     * take a while between the calls). */
    unsigned left = alarm(3);
    printf("alarm(3) found %s\n", left == 5 || left == 4 ? "4-5 s" : "?");
    left = alarm(0);
    printf("alarm(0) found %s\n", left == 3 || left == 2 ? "2-3 s" : "?");
    SHOW(alarm(0));

    struct sigaction sa = {0};
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 100000}}, old;
    SHOW(setitimer(ITIMER_REAL, &it, NULL));
    SHOW(pause());
    printf("one-shot: alarms=%d\n", alarms);
    SHOW(getitimer(ITIMER_REAL, &old));
    printf("after: value=%ld.%06ld interval=%ld.%06ld\n", (long)old.it_value.tv_sec,
           (long)old.it_value.tv_usec, (long)old.it_interval.tv_sec, (long)old.it_interval.tv_usec);

    alarms = 0;
    it.it_interval.tv_usec = 20000;
    it.it_value.tv_usec = 20000;
    SHOW(setitimer(ITIMER_REAL, &it, NULL));
    while (alarms < 5)
        pause();
    it.it_value.tv_usec = 0;
    SHOW(setitimer(ITIMER_REAL, &it, &old));
    printf("periodic: alarms>=5 %d, old interval=%ld\n", alarms >= 5, (long)old.it_interval.tv_usec);
    it.it_value.tv_usec = 1000000;
    SHOW(setitimer(ITIMER_REAL, &it, NULL));
    SHOW(setitimer(7, &it, NULL));
    SHOW(getitimer(7, &old));
    SHOW(getitimer(ITIMER_REAL, BAD_PTR));

    /* POSIX timers. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    siginfo_t si;

    timer_t t1;
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN;
    ev.sigev_value.sival_int = 77;
    SHOW(timer_create(CLOCK_MONOTONIC, &ev, &t1));
    struct itimerspec ts = {{0, 0}, {0, 50000000}}, cur;
    SHOW(timer_settime(t1, 0, &ts, NULL));
    int s = sigwaitinfo(&set, &si);
    printf("timer: sig=%s code=%s value=%d\n", s == SIGRTMIN ? "SIGRTMIN" : "?",
           si.si_code == SI_TIMER ? "SI_TIMER" : "?", si.si_value.sival_int);
    SHOW(timer_gettime(t1, &cur));
    printf("disarmed: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

    /* Periodic. */
    ts.it_interval.tv_nsec = 10000000;
    ts.it_value.tv_nsec = 10000000;
    SHOW(timer_settime(t1, 0, &ts, NULL));
    for (int i = 0; i < 3; i++)
        sigwaitinfo(&set, &si);
    printf("periodic: 3 signals\n");
    SHOW(timer_delete(t1));
    SHOW(timer_gettime(t1, &cur));
    SHOW(timer_delete(t1));

    /* The default sigevent: SIGALRM; an absolute time. */
    timer_t t2;
    SHOW(timer_create(CLOCK_REALTIME, NULL, &t2));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    ts.it_interval.tv_nsec = 0;
    ts.it_value = now;
    ts.it_value.tv_nsec += 50000000;
    if (ts.it_value.tv_nsec >= 1000000000) {
        ts.it_value.tv_sec++;
        ts.it_value.tv_nsec -= 1000000000;
    }
    SHOW(timer_settime(t2, TIMER_ABSTIME, &ts, NULL));
    s = sigwaitinfo(&set, &si);
    printf("default: sig=%s code=%s\n", s == SIGALRM ? "SIGALRM" : "?",
           si.si_code == SI_TIMER ? "SI_TIMER" : "?");
    SHOW(timer_delete(t2));

    /* SIGEV_NONE: nothing is sent, the time runs. */
    timer_t t3;
    ev.sigev_notify = SIGEV_NONE;
    SHOW(timer_create(CLOCK_MONOTONIC, &ev, &t3));
    ts.it_value.tv_sec = 10;
    ts.it_value.tv_nsec = 0;
    SHOW(timer_settime(t3, 0, &ts, NULL));
    SHOW(timer_gettime(t3, &cur));
    printf("none: left>9s %d\n", cur.it_value.tv_sec >= 9);
    SHOW(timer_getoverrun(t3));
    ts.it_value.tv_nsec = 1000000000;
    SHOW(timer_settime(t3, 0, &ts, NULL));
    SHOW(timer_delete(t3));

    /* Errors. */
    timer_t bad;
    SHOW(timer_create(12345, NULL, &bad));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 99;
    SHOW(timer_create(CLOCK_MONOTONIC, &ev, &bad));
    ev.sigev_notify = 77;
    ev.sigev_signo = SIGUSR1;
    SHOW(timer_create(CLOCK_MONOTONIC, &ev, &bad));
    SHOW(syscall(SYS_timer_create, CLOCK_MONOTONIC, BAD_PTR, &bad));
    SHOW(syscall(SYS_timer_settime, 4242, 0, &ts, NULL));

    /* SIGALRM at its default action ends the process. */
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    signal(SIGALRM, SIG_DFL);
    it.it_interval.tv_usec = 0;
    it.it_value.tv_usec = 50000;
    setitimer(ITIMER_REAL, &it, NULL);
    pause();
    printf("not reached\n");
    return 0;
}
