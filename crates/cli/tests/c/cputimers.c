/* CPU-time timers: ITIMER_VIRTUAL and ITIMER_PROF (not while sleeping,
 * periodic, kept across exec, cleared in a fork child), POSIX timers on
 * the process's and a thread's CPU clock (relative and absolute; a thread
 * clock counts that thread only), and errors. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

static volatile int vt, prof, usr1, usr2, usr1_code, usr1_value;

static void on_sig(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    if (sig == SIGVTALRM)
        vt++;
    else if (sig == SIGPROF)
        prof++;
    else if (sig == SIGUSR1) {
        usr1++;
        usr1_code = si->si_code;
        usr1_value = si->si_value.sival_int;
    } else if (sig == SIGUSR2)
        usr2++;
}

static double cpu_now(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Spends a little user CPU time without a system call: the clocks are
 * read between such spins, not in a tight loop, so that the time goes to
 * the program (under Trapline each clock read is a trap whose cost the
 * program's own CPU time does not see). */
static void spin_a_little(void) {
    static volatile unsigned long sink;
    for (int i = 0; i < 200000; i++)
        sink += i;
}

/* Burns CPU until *flag reaches n, for at most `max` seconds of CPU time;
 * returns whether it did. */
static int burn_until(volatile int *flag, int n, double max) {
    double end = cpu_now(CLOCK_THREAD_CPUTIME_ID) + max;
    while (*flag < n) {
        spin_a_little();
        if (cpu_now(CLOCK_THREAD_CPUTIME_ID) > end)
            return 0;
    }
    return 1;
}

static void msleep(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Shows whether an interval timer is armed, with at most `max_us` left
 * (Linux adds a tick, a few ms, to a CPU timer's first expiry). */
static void show_itimer(const char *what, int which, long max_us) {
    struct itimerval v;
    getitimer(which, &v);
    long left = v.it_value.tv_sec * 1000000L + v.it_value.tv_usec;
    printf("%-36s armed=%d within=%d interval=%ld\n", what, left > 0, left <= max_us + 20000,
           v.it_interval.tv_sec * 1000000L + v.it_interval.tv_usec);
}

static void *spin(void *arg) {
    double end = cpu_now(CLOCK_THREAD_CPUTIME_ID) + *(double *)arg;
    while (cpu_now(CLOCK_THREAD_CPUTIME_ID) < end)
        spin_a_little();
    return NULL;
}

static void *process_clock_in_thread(void *arg) {
    (void)arg;
    struct timespec ts;
    SHOW(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts));
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        show_itimer("after exec: ITIMER_VIRTUAL", ITIMER_VIRTUAL, 5000000);
        show_itimer("after exec: ITIMER_PROF", ITIMER_PROF, 5000000);
        sigaction(SIGVTALRM, &sa, NULL);
        struct itimerval v = {{0, 0}, {0, 20000}};
        setitimer(ITIMER_VIRTUAL, &v, NULL);
        printf("after exec: fires: %d\n", burn_until(&vt, 1, 5));
        return 0;
    }
    sigaction(SIGVTALRM, &sa, NULL);
    sigaction(SIGPROF, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);

    /* 1. ITIMER_VIRTUAL counts user CPU time only: not while sleeping. */
    show_itimer("ITIMER_VIRTUAL at start", ITIMER_VIRTUAL, 0);
    struct itimerval v = {{0, 0}, {0, 30000}}, old;
    SHOW(setitimer(ITIMER_VIRTUAL, &v, NULL));
    msleep(200);
    printf("asleep: SIGVTALRM=%d\n", vt);
    show_itimer("ITIMER_VIRTUAL armed", ITIMER_VIRTUAL, 30000);
    printf("burning: fired=%d\n", burn_until(&vt, 1, 5));
    show_itimer("ITIMER_VIRTUAL after", ITIMER_VIRTUAL, 0);

    /* 2. ITIMER_PROF, periodic. */
    struct itimerval p = {{0, 10000}, {0, 10000}};
    SHOW(setitimer(ITIMER_PROF, &p, NULL));
    printf("burning: three SIGPROF=%d\n", burn_until(&prof, 3, 5));
    struct itimerval off = {{0, 0}, {0, 0}};
    SHOW(setitimer(ITIMER_PROF, &off, &old));
    printf("old interval=%ld armed=%d\n", old.it_interval.tv_usec,
           old.it_value.tv_sec > 0 || old.it_value.tv_usec > 0);
    SHOW(setitimer(3, &v, NULL));
    SHOW(getitimer(-1, &v));

    /* 3. A POSIX timer on the process's CPU clock. */
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 77;
    timer_t t;
    SHOW(timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t));
    struct itimerspec its = {{0, 0}, {0, 20000000}}, cur;
    SHOW(timer_settime(t, 0, &its, NULL));
    timer_gettime(t, &cur);
    printf("armed=%d within=%d\n", cur.it_value.tv_nsec > 0 || cur.it_value.tv_sec > 0,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 20000000);
    msleep(100);
    printf("asleep: SIGUSR1=%d\n", usr1);
    int fired = burn_until(&usr1, 1, 5);
    printf("burning: fired=%d code_is_timer=%d value=%d\n", fired, usr1_code == SI_TIMER,
           usr1_value);
    timer_gettime(t, &cur);
    printf("after: armed=%d\n", cur.it_value.tv_nsec > 0 || cur.it_value.tv_sec > 0);
    /* Absolute: 30 ms of CPU from now. */
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    now.tv_nsec += 30000000;
    if (now.tv_nsec >= 1000000000) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000;
    }
    its.it_value = now;
    SHOW(timer_settime(t, TIMER_ABSTIME, &its, NULL));
    printf("absolute: fired=%d\n", burn_until(&usr1, 2, 5));
    timer_delete(t);

    /* 4. A thread's CPU clock counts that thread alone. */
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGUSR2;
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif
    ev.sigev_notify_thread_id = syscall(SYS_gettid);
    SHOW(timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &t));
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 30000000;
    SHOW(timer_settime(t, 0, &its, NULL));
    pthread_t th;
    double busy = 0.2;
    pthread_create(&th, NULL, spin, &busy);
    pthread_join(th, NULL);
    printf("another thread burned: SIGUSR2=%d\n", usr2);
    printf("this thread burns: fired=%d\n", burn_until(&usr2, 1, 5));
    timer_delete(t);
    pthread_create(&th, NULL, process_clock_in_thread, NULL);
    pthread_join(th, NULL);

    /* 5. Errors. */
    clockid_t other = ((~(clockid_t)999999) << 3) | 2;
    SHOW(timer_create(other, NULL, &t));
    SHOW(timer_create(((~(clockid_t)0) << 3) | 3, NULL, &t));
    SHOW(timer_create(((~(clockid_t)999999) << 3) | 6, NULL, &t));

    /* 6. A fork child has no interval timers; exec keeps them. */
    struct itimerval big = {{0, 0}, {5, 0}};
    setitimer(ITIMER_VIRTUAL, &big, NULL);
    setitimer(ITIMER_PROF, &big, NULL);
    pid_t c = fork();
    if (c == 0) {
        show_itimer("fork child: ITIMER_VIRTUAL", ITIMER_VIRTUAL, 0);
        execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
        _exit(1);
    }
    waitpid(c, NULL, 0);
    execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
    return 1;
}
