/* Signals and threads: pthread_kill reaches the named thread's handler;
 * a process-directed signal goes to the one thread that does not block
 * it; sigwait in a thread takes a signal every thread blocks; a fatal
 * signal ends every thread. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "check.h"

static _Atomic long handled_by;
static _Atomic int ready;

static void handler(int sig) {
    (void)sig;
    handled_by = syscall(SYS_gettid);
}

static void *worker(void *arg) {
    long *tid = arg;
    *tid = syscall(SYS_gettid);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    ready = 1;
    while (handled_by == 0)
        usleep(1000);
    return NULL;
}

static void *waiter(void *arg) {
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    int sig = 0;
    ready = 1;
    sigwait(&set, &sig);
    return (void *)(long)sig;
}

static void *spin(void *arg) {
    (void)arg;
    for (;;)
        usleep(1000);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sigaction(SIGUSR1, &sa, NULL);

    /* pthread_kill to one thread. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_t t;
    long tid = 0;
    SHOW(pthread_sigmask(SIG_BLOCK, &usr1, NULL));
    pthread_create(&t, NULL, worker, &tid);
    while (!ready)
        usleep(1000);
    SHOW(pthread_kill(t, SIGUSR1));
    pthread_join(t, NULL);
    printf("pthread_kill: handled by the worker: %d\n", handled_by == tid);

    /* kill() to the process: only the worker does not block it. */
    handled_by = 0;
    ready = 0;
    pthread_create(&t, NULL, worker, &tid);
    while (!ready)
        usleep(1000);
    SHOW(kill(getpid(), SIGUSR1));
    pthread_join(t, NULL);
    printf("kill: handled by the worker: %d\n", handled_by == tid);

    /* sigwait in a thread. */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);
    ready = 0;
    pthread_create(&t, NULL, waiter, NULL);
    while (!ready)
        usleep(1000);
    usleep(50000);
    SHOW(kill(getpid(), SIGUSR2));
    void *ret;
    pthread_join(t, &ret);
    printf("sigwait got %ld\n", (long)ret);

    /* A fatal signal ends every thread. */
    pid_t c = fork();
    if (c == 0) {
        pthread_t s1, s2;
        pthread_create(&s1, NULL, spin, NULL);
        pthread_create(&s2, NULL, spin, NULL);
        usleep(50000);
        raise(SIGTERM);
        usleep(5000000);
        _exit(1);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
    return 0;
}
