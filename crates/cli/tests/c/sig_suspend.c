/* sigsuspend and pause: pending signals run at once under the temporary
 * mask, which holds inside the handlers; the old mask is back after;
 * a signal from a child wakes a suspended parent. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

static char trace[256];
static void handler(int sig) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    char buf[64];
    snprintf(buf, sizeof buf, "[%s usr1=%d usr2=%d hup=%d]", sig == SIGUSR1 ? "usr1" : sig == SIGUSR2 ? "usr2" : "hup",
             sigismember(&cur, SIGUSR1), sigismember(&cur, SIGUSR2), sigismember(&cur, SIGHUP));
    strcat(trace, buf);
}

static void show_mask(const char *when) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("%s: usr1=%d usr2=%d hup=%d\n", when, sigismember(&cur, SIGUSR1), sigismember(&cur, SIGUSR2),
           sigismember(&cur, SIGHUP));
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    sigset_t block, wait_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR2);
    raise(SIGUSR1);
    raise(SIGHUP);
    /* Wait with SIGHUP still blocked. */
    sigemptyset(&wait_mask);
    sigaddset(&wait_mask, SIGHUP);
    SHOW(sigsuspend(&wait_mask));
    printf("handlers: %s\n", trace);
    show_mask("after sigsuspend");
    sigset_t p;
    sigpending(&p);
    printf("hup still pending: %d\n", sigismember(&p, SIGHUP));

    /* A child wakes us. */
    trace[0] = 0;
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    sigemptyset(&wait_mask);
    sigaddset(&wait_mask, SIGHUP);
    SHOW(sigsuspend(&wait_mask));
    printf("handlers: %s\n", trace);
    waitpid(c, NULL, 0);

    /* pause() with the signal unblocked. */
    trace[0] = 0;
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    printf("unblocked: %s\n", trace);
    trace[0] = 0;
    c = fork();
    if (c == 0) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        kill(parent, SIGUSR2);
        _exit(0);
    }
    SHOW(pause());
    printf("handlers: %s\n", trace);
    waitpid(c, NULL, 0);
    SHOW(syscall(SYS_rt_sigsuspend, &wait_mask, 4));
    SHOW(syscall(SYS_rt_sigsuspend, BAD_PTR, 8));
    return 0;
}
