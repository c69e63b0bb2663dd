/* pthread_exit from the main thread while the others go on: the process
 * lives until its last thread ends: status 0 when it returns, 5 when it
 * calls exit(5), and 6 when it ends with a raw SYS_exit(6) after the
 * others (Linux takes the code of the last thread to exit). Run in
 * children (to see the wait status) and in the process itself. */
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
static int exit_code;
static pthread_t workers[WORKERS], main_thread;

static void *worker(void *arg) {
    long n = (long)arg;
    pthread_mutex_lock(&m);
    while (turn != n) pthread_cond_wait(&cv, &m);
    printf("worker %ld: same pid %d\n", n, getpid() == leader);
    fflush(stdout);
    turn++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
    if (n == WORKERS - 1 && exit_code == 5) exit(exit_code);
    if (n == WORKERS - 1 && exit_code == 6) {
        pthread_join(main_thread, NULL);
        for (int i = 0; i < WORKERS - 1; i++) pthread_join(workers[i], NULL);
        syscall(SYS_exit, 6);
    }
    return NULL;
}

static void scenario(int code) {
    leader = getpid();
    main_thread = pthread_self();
    exit_code = code;
    pthread_mutex_lock(&m);
    for (long i = 0; i < WORKERS; i++) pthread_create(&workers[i], NULL, worker, (void *)i);
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
    for (int code = 0; code <= 6; code += code ? 1 : 5) {
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            char arg[16];
            snprintf(arg, sizeof arg, "%d", code);
            execl(argv[0], argv[0], arg, (char *)NULL);
            _exit(127);
        }
        int st;
        if (waitpid(c, &st, 0) != c) return 1;
        printf("child: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    }
    scenario(6);
    return 99;
}
