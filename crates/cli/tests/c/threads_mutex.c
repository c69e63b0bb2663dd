/* Eight threads hammer one mutex and a condition variable: a counter, and
 * a bounded buffer between producers and consumers. The totals are fixed,
 * whatever the interleaving. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8
#define ROUNDS 3000
#define ITEMS 400
#define SLOTS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *hammer(void *arg) {
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

/* The bounded buffer: 4 producers, 4 consumers. */
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long queue[SLOTS];
static int head, count;

static void *producer(void *arg) {
    long base = (long)arg * ITEMS;
    for (long i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&qlock);
        while (count == SLOTS) pthread_cond_wait(&not_full, &qlock);
        queue[(head + count) % SLOTS] = base + i;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&qlock);
    }
    return NULL;
}

static void *consumer(void *arg) {
    (void)arg;
    long sum = 0;
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&qlock);
        while (count == 0) pthread_cond_wait(&not_empty, &qlock);
        sum += queue[head];
        head = (head + 1) % SLOTS;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&qlock);
    }
    return (void *)sum;
}

/* A barrier made of a mutex and a broadcast condition variable. */
static pthread_mutex_t blk = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bcv = PTHREAD_COND_INITIALIZER;
static int arrived, generation;

static void barrier(void) {
    pthread_mutex_lock(&blk);
    int gen = generation;
    if (++arrived == THREADS) {
        arrived = 0;
        generation++;
        pthread_cond_broadcast(&bcv);
    } else {
        while (gen == generation) pthread_cond_wait(&bcv, &blk);
    }
    pthread_mutex_unlock(&blk);
}

static long phases[THREADS];

static void *phased(void *arg) {
    long me = (long)arg;
    for (int p = 0; p < 20; p++) {
        phases[me] = p;
        barrier();
        /* Everyone reached phase p. */
        for (int j = 0; j < THREADS; j++)
            if (phases[j] < p) abort();
        barrier();
    }
    return NULL;
}

int main(void) {
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, hammer, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    printf("counter %ld (expected %d)\n", counter, THREADS * ROUNDS);

    for (long i = 0; i < THREADS / 2; i++) pthread_create(&t[i], NULL, producer, (void *)i);
    for (long i = THREADS / 2; i < THREADS; i++) pthread_create(&t[i], NULL, consumer, NULL);
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        if (i >= THREADS / 2) total += (long)r;
    }
    long expected = 0;
    for (long p = 0; p < THREADS / 2; p++)
        for (long i = 1; i <= ITEMS; i++) expected += p * ITEMS + i;
    printf("consumed sum %ld (expected %ld), left %d\n", total, expected, count);

    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, phased, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    printf("barrier generations %d\n", generation);
    return 0;
}
