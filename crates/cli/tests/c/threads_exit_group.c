/* exit() from one thread while the others block in the kernel (condition
 * variable, pipe read, sleep, join) or spin in user space: every thread
 * ends, and the status is the exit code. In a child, then in the process
 * itself. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int fds[2];
static int started;

static void ready(void) { __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST); }

static void *waiter(void *arg) {
    (void)arg;
    pthread_mutex_lock(&m);
    ready();
    for (;;) pthread_cond_wait(&cv, &m);
    return NULL;
}

static void *reader(void *arg) {
    (void)arg;
    char c;
    ready();
    for (;;) read(fds[0], &c, 1);
    return NULL;
}

static void *sleeper(void *arg) {
    (void)arg;
    ready();
    for (;;) sleep(100);
    return NULL;
}

static void *spinner(void *arg) {
    (void)arg;
    ready();
    for (volatile unsigned long i = 0;; i++) {}
    return NULL;
}

static void *quitter(void *arg) {
    (void)arg;
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 4) usleep(1000);
    usleep(50000);
    printf("quitting from a thread\n");
    exit(9);
}

static int run(void) {
    if (pipe(fds) != 0) return 1;
    pthread_t t[5];
    pthread_create(&t[0], NULL, waiter, NULL);
    pthread_create(&t[1], NULL, reader, NULL);
    pthread_create(&t[2], NULL, sleeper, NULL);
    pthread_create(&t[3], NULL, spinner, NULL);
    pthread_create(&t[4], NULL, quitter, NULL);
    pthread_join(t[0], NULL);
    return 3;
}

int main(void) {
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) return run();
    int st;
    if (waitpid(c, &st, 0) != c) return 1;
    printf("child: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    fflush(stdout);
    return run();
}
