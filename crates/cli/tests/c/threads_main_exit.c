/* pthread_exit from the main thread while the others go on: the process
 * lives until its last thread ends: status 0 when it returns, 5 when it
 * calls exit(5). Run in children (to see the wait status) and in the
 * process itself. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#define WORKERS 3

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;
static pid_t leader;
static int exit_code;

static void *worker(void *arg) {
    long n = (long)arg;
    pthread_mutex_lock(&m);
    while (turn != n) pthread_cond_wait(&cv, &m);
    printf("worker %ld: same pid %d\n", n, getpid() == leader);
    fflush(stdout);
    turn++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
    if (n == WORKERS - 1 && exit_code) exit(exit_code);
    return NULL;
}

static void scenario(int code) {
    leader = getpid();
    exit_code = code;
    pthread_t t[WORKERS];
    pthread_mutex_lock(&m);
    for (long i = 0; i < WORKERS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    printf("main leaving (code=%d)\n", code);
    fflush(stdout);
    turn = 0;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
    pthread_exit(NULL);
}

int main(int argc, char **argv) {
    if (argc == 2) scenario(atoi(argv[1]));
    /* Each scenario runs in a fresh exec'd child (musl's pthread_exit from
     * the main thread of a merely forked child hangs, natively too). */
    for (int code = 0; code < 10; code += 5) {
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            char arg[8];
            snprintf(arg, sizeof arg, "%d", code);
            execl(argv[0], argv[0], arg, (char *)NULL);
            _exit(127);
        }
        int st;
        if (waitpid(c, &st, 0) != c) return 1;
        printf("child: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    }
    scenario(5);
    return 99;
}
