/* nanosleep and signals: a handler makes it fail with EINTR and the time
 * left (SA_RESTART or not); a stop and continue in the middle makes it
 * go on to its full length (restart_syscall); an absolute
 * clock_nanosleep is interrupted the same way. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

static volatile int handled;
static void handler(int sig) { (void)sig; handled++; }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msleep(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static pid_t later(int sig) {
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        msleep(100);
        kill(parent, sig);
        _exit(0);
    }
    return c;
}

static void interrupted(const char *what, int flags) {
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    handled = 0;
    pid_t c = later(SIGUSR1);
    struct timespec req = {3, 0}, rem = {0, 0};
    errno = 0;
    int r = nanosleep(&req, &rem);
    int e = errno;
    double left = rem.tv_sec + rem.tv_nsec / 1e9;
    printf("%-18s r=%d %s handled=%d rem_ok=%d\n", what, r, r ? errname(e) : "", handled,
           left > 2.0 && left < 2.95);
    waitpid(c, NULL, 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    interrupted("no SA_RESTART", 0);
    interrupted("SA_RESTART", SA_RESTART);

    /* Absolute sleep. */
    pid_t c = later(SIGUSR1);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 3;
    int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
    printf("absolute           r=%s handled=%d\n", r ? errname(r) : "0", handled);
    waitpid(c, NULL, 0);

    /* Stopped and continued: the sleep is not cut short. */
    int ready[2];
    pipe(ready);
    c = fork();
    if (c == 0) {
        write(ready[1], "r", 1);
        double t0 = now();
        struct timespec req = {0, 400000000}, rem = {0, 0};
        int r = nanosleep(&req, &rem);
        double took = now() - t0;
        _exit(r == 0 && took >= 0.4 ? 0 : 1);
    }
    char ch;
    read(ready[0], &ch, 1);
    msleep(100);
    SHOW(kill(c, SIGSTOP));
    msleep(150);
    SHOW(kill(c, SIGCONT));
    int st;
    waitpid(c, &st, 0);
    printf("stopped sleeper: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* A signal ignored, or at a default that ignores, changes nothing. */
    signal(SIGUSR2, SIG_IGN);
    c = later(SIGUSR2);
    struct timespec req = {0, 300000000};
    SHOW(nanosleep(&req, NULL));
    waitpid(c, NULL, 0);
    SHOW(nanosleep(NULL, NULL));
    req.tv_nsec = 1000000000;
    SHOW(nanosleep(&req, NULL));
    return 0;
}
