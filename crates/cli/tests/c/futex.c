/* futex(2) directly: the error paths (EFAULT, EINVAL, EAGAIN, ETIMEDOUT,
 * ENOSYS), then REQUEUE, CMP_REQUEUE, WAKE_OP and the bitset calls with
 * real waiters. */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include "check.h"

/* <linux/futex.h>, which musl-gcc cannot see. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR 4
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static long futex(void *uaddr, int op, uint32_t val, const void *timeout, void *uaddr2, uint32_t val3) {
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

/* The count argument that shares the timeout's place. */
#define COUNT(n) ((const void *)(uintptr_t)(n))

static uint32_t f1, f2, f3;
static long results[4];

static void *wait_f1(void *arg) {
    results[(long)arg] = futex(&f1, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static void *wait_bitset(void *arg) {
    (void)arg;
    results[3] = futex(&f3, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 2);
    return NULL;
}

static struct timespec after_ms(clockid_t clock, long ms) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    ts.tv_nsec += ms * 1000000;
    ts.tv_sec += ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    return ts;
}

int main(void) {
    uint32_t word = 1;
    char *unaligned = (char *)&word + 1;
    struct timespec short_wait = {0, 20 * 1000 * 1000};
    struct timespec bad_ts = {0, 1000000000};
    struct timespec neg_ts = {-1, 0};
    struct timespec past = {0, 1};

    puts("-- errors");
    SHOW(futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0));
    SHOW(futex(BAD_PTR, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    SHOW(futex((void *)0x7ffffffff000, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    SHOW(futex(unaligned, FUTEX_WAIT, 0, NULL, NULL, 0));
    SHOW(futex(unaligned, FUTEX_WAKE, 1, NULL, NULL, 0));
    SHOW(futex(&word, FUTEX_WAIT, 0, NULL, NULL, 0));
    SHOW(futex(&word, FUTEX_WAIT_PRIVATE, 2, &short_wait, NULL, 0));
    SHOW(futex(&word, FUTEX_WAIT, 1, BAD_PTR, NULL, 0));
    SHOW(futex(&word, FUTEX_WAIT, 1, &bad_ts, NULL, 0));
    SHOW(futex(&word, FUTEX_WAIT, 1, &neg_ts, NULL, 0));
    SHOW(futex(&word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, &short_wait, NULL, 0));
    SHOW(futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));
    SHOW(futex(&word, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0));
    SHOW(futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
    SHOW(futex(&word, FUTEX_CMP_REQUEUE, 1, COUNT(1), &f2, 7));
    SHOW(futex(&word, FUTEX_REQUEUE, -1, COUNT(1), &f2, 0));
    SHOW(futex(&word, FUTEX_REQUEUE, 1, COUNT(-1), &f2, 0));
    SHOW(futex(&word, FUTEX_REQUEUE, 1, COUNT(1), unaligned, 0));
    SHOW(futex(&word, 99, 0, NULL, NULL, 0));
    SHOW(futex(&word, FUTEX_LOCK_PI + 100, 0, NULL, NULL, 0));

    puts("-- no waiters");
    SHOW(futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0));
    SHOW(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0));
    SHOW(futex(BAD_PTR, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    SHOW(futex(BAD_PTR, FUTEX_WAKE, 1, NULL, NULL, 0));
    SHOW(futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, COUNT(1), &f2, 1));
    SHOW(futex(&word, FUTEX_REQUEUE_PRIVATE, 1, COUNT(1), &f2, 0));

    puts("-- timeouts");
    SHOW(futex(&word, FUTEX_WAIT, 1, &short_wait, NULL, 0));
    SHOW(futex(&word, FUTEX_WAIT_PRIVATE, 1, &past, NULL, 0));
    struct timespec mono = after_ms(CLOCK_MONOTONIC, 20);
    SHOW(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 1, &mono, NULL, FUTEX_BITSET_MATCH_ANY));
    struct timespec real = after_ms(CLOCK_REALTIME, 20);
    SHOW(futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1, &real, NULL, 1));
    SHOW(futex(&word, FUTEX_WAIT_BITSET, 1, &past, NULL, 1));

    puts("-- wake_op");
    uint32_t a = 0, b = 3;
    /* b += 2; wake b's waiters if old b == 3 (none). */
    SHOW(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, COUNT(1), &b, FUTEX_OP(FUTEX_OP_ADD, 2, FUTEX_OP_CMP_EQ, 3)));
    printf("b = %u\n", b);
    SHOW(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, COUNT(1), &b, FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_GT, 100)));
    printf("b = %u\n", b);
    SHOW(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, COUNT(1), &b, FUTEX_OP(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_NE, 0)));
    printf("b = %u\n", b);
    SHOW(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, COUNT(1), &b, FUTEX_OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_LT, 0)));
    printf("b = %u\n", b);
    SHOW(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, COUNT(1), &b, (7 << 28)));
    printf("b = %u\n", b);
    SHOW(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, COUNT(1), &b, FUTEX_OP(FUTEX_OP_SET, 9, 7, 0)));
    printf("b = %u\n", b);
    SHOW(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, COUNT(1), BAD_PTR, FUTEX_OP(FUTEX_OP_SET, 1, 0, 0)));
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SHOW(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, COUNT(1), ro, FUTEX_OP(FUTEX_OP_SET, 1, 0, 0)));
    SHOW(futex(ro, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0));

    puts("-- requeue with waiters");
    pthread_t t[4];
    for (long i = 0; i < 3; i++) pthread_create(&t[i], NULL, wait_f1, (void *)i);
    /* Move all three to f2, however long they take to start waiting. (A
     * waiter woken spuriously waits on f1 again: natively too, so the
     * counts below allow for it.) */
    long moved = 0;
    while (moved < 3) {
        long r = futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 0, COUNT(INT_MAX), &f2, 0);
        if (r < 0) { perror("requeue"); return 1; }
        moved += r;
    }
    printf("moved all three to f2: %d\n", moved >= 3);
    SHOW(futex(&f2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    /* f2 = 0: the comparison holds, so the two left wake, from f2 (or f1). */
    SHOW(futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, COUNT(5), &f2, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0)));
    printf("f2 = %u\n", f2);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    printf("waiters returned %ld %ld %ld\n", results[0], results[1], results[2]);

    puts("-- bitsets");
    pthread_create(&t[3], NULL, wait_bitset, NULL);
    SHOW(futex(&f3, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 1));
    long woken = 0;
    while (woken == 0) woken = futex(&f3, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 6);
    pthread_join(t[3], NULL);
    printf("bitset waiter woken %ld, returned %ld\n", woken, results[3]);
    return 0;
}
