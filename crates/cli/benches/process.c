/* The guest side of the process benchmarks: N iterations of one operation,
 * timed with the vDSO clock, result on stdout as "ns_per_op X".
 *   fork: fork + _exit + waitpid      exec: fork + execve(/bin/true) + waitpid
 *   thread: pthread_create + join     futex: one round trip of a futex
 *                                     ping-pong between two threads */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void *nothing(void *arg) { return arg; }

/* The ping-pong word: odd when it is the partner's turn. */
static uint32_t ball;
static long rounds;

static void futex_wait(uint32_t *w, uint32_t v) {
    syscall(SYS_futex, w, 128 /* FUTEX_WAIT_PRIVATE */, v, NULL, NULL, 0);
}
static void futex_wake(uint32_t *w) {
    syscall(SYS_futex, w, 129 /* FUTEX_WAKE_PRIVATE */, 1, NULL, NULL, 0);
}

static void *partner(void *arg) {
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        uint32_t v;
        while (((v = __atomic_load_n(&ball, __ATOMIC_ACQUIRE)) & 1) == 0) futex_wait(&ball, v);
        __atomic_store_n(&ball, v + 1, __ATOMIC_RELEASE);
        futex_wake(&ball);
    }
    return NULL;
}

int main(int argc, char **argv) {
    const char *op = argc > 1 ? argv[1] : "fork";
    long n = argc > 2 ? atol(argv[2]) : 100;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (strcmp(op, "thread") == 0) {
        for (long i = 0; i < n; i++) {
            pthread_t t;
            pthread_create(&t, NULL, nothing, NULL);
            pthread_join(t, NULL);
        }
        n = n ? n : 1;
    } else if (strcmp(op, "futex") == 0) {
        rounds = n;
        pthread_t t;
        pthread_create(&t, NULL, partner, NULL);
        for (long i = 0; i < n; i++) {
            uint32_t v = __atomic_add_fetch(&ball, 1, __ATOMIC_ACQ_REL);
            futex_wake(&ball);
            while (__atomic_load_n(&ball, __ATOMIC_ACQUIRE) == v) futex_wait(&ball, v);
        }
        pthread_join(t, NULL);
        n = n ? n : 1;
    } else for (long i = 0; i < n; i++) {
        pid_t c = fork();
        if (c == 0) {
            if (strcmp(op, "exec") == 0) {
                char *args[] = {"/bin/true", NULL};
                execv(args[0], args);
            }
            _exit(0);
        }
        int st;
        waitpid(c, &st, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    printf("ns_per_op %.0f\n", ns / n);
    return 0;
}
