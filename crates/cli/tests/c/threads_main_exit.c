/* pthread_exit from the main thread while the others go on: the process
 * lives until its last thread ends, and its exit status is then the main
 * thread's (0), even when the last thread ends with a raw exit(5). Run in
 * a child (to see the wait status) and in the process itself. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define WORKERS 3

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;
static pid_t leader;
static int raw_exit;

static void *worker(void *arg) {
    long n = (long)arg;
    pthread_mutex_lock(&m);
    while (turn != n) pthread_cond_wait(&cv, &m);
    printf("worker %ld: same pid %d\n", n, getpid() == leader);
    fflush(stdout);
    turn++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
    if (n == WORKERS - 1 && raw_exit) syscall(SYS_exit, 5);
    return NULL;
}

static void scenario(int raw) {
    leader = getpid();
    raw_exit = raw;
    pthread_t t[WORKERS];
    pthread_mutex_lock(&m);
    for (long i = 0; i < WORKERS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    printf("main leaving (raw=%d)\n", raw);
    fflush(stdout);
    turn = 0;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
    pthread_exit(NULL);
}

int main(void) {
    for (int raw = 0; raw < 2; raw++) {
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) scenario(raw);
        int st;
        if (waitpid(c, &st, 0) != c) return 1;
        printf("child: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    }
    scenario(1);
    return 99;
}
