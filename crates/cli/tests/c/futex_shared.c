/* Shared futexes between processes: in MAP_SHARED anonymous memory across
 * fork (raw futex calls, then a process-shared mutex and condition
 * variable), and in a shared file mapping that the two processes map at
 * different addresses. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "check.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static long futex(void *uaddr, int op, uint32_t val) {
    return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

struct shared {
    uint32_t word;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    long counter;
    int turn;
};

static void show_child(pid_t c) {
    int st;
    if (waitpid(c, &st, 0) != c) exit(1);
    printf("child: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
}

/* Wakes the one waiter on `word` once it is queued. */
static void wake_one(uint32_t *word) {
    long r;
    while ((r = futex(word, FUTEX_WAKE, 1)) == 0) usleep(1000);
    printf("woke %ld\n", r);
}

int main(void) {
    struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) return 1;

    puts("-- raw futex across fork");
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) _exit(futex(&sh->word, FUTEX_WAIT, 0) == 0 ? 10 : 11);
    wake_one(&sh->word);
    show_child(c);

    puts("-- process-shared mutex and condition variable");
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&sh->lock, &ma);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_cond_init(&sh->cv, &ca);
    fflush(stdout);
    c = fork();
    int me = c == 0;
    /* Ping-pong: each side waits for its turn 50 times. */
    for (int i = 0; i < 50; i++) {
        pthread_mutex_lock(&sh->lock);
        while (sh->turn != me) pthread_cond_wait(&sh->cv, &sh->lock);
        sh->counter++;
        sh->turn = !me;
        pthread_cond_broadcast(&sh->cv);
        pthread_mutex_unlock(&sh->lock);
    }
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&sh->lock);
        sh->counter++;
        pthread_mutex_unlock(&sh->lock);
    }
    if (me) _exit(0);
    show_child(c);
    printf("counter %ld\n", sh->counter);

    puts("-- shared file mapping at different addresses");
    int fd = open("/tmp/trapline-futex-shared", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 8192) != 0) return 1;
    unlink("/tmp/trapline-futex-shared");
    fflush(stdout);
    c = fork();
    if (c == 0) {
        void *pad = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        (void)pad;
        char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) _exit(2);
        _exit(futex(m + 4096 + 8, FUTEX_WAIT, 0) == 0 ? 20 : 21);
    }
    char *mine = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mine == MAP_FAILED) return 1;
    /* A different word of the same file wakes nobody. */
    SHOW(futex(mine + 4096 + 4, FUTEX_WAKE, 1));
    wake_one((uint32_t *)(mine + 4096 + 8));
    show_child(c);
    return 0;
}
