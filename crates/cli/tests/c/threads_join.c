/* Thread creation and join: return values, pthread_exit values, thread
 * ids, thread-local storage, detached threads, /proc/self/task, and a
 * robust mutex whose owner dies. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

static __thread long tls_value = 5;
static pid_t main_pid;

static void *worker(void *arg) {
    long n = (long)arg;
    tls_value += n;
    int other = syscall(SYS_gettid) != main_pid;
    if (getpid() != main_pid) return (void *)-1;
    if (n == 3) pthread_exit((void *)(tls_value * 100 + other));
    return (void *)(tls_value * 10 + other);
}

static int tasks_in_proc(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* A joined thread may still be on its way out for a moment (natively
 * too): wait up to a second for the count to settle. */
static int tasks_settled(int expected) {
    int n = tasks_in_proc();
    for (int i = 0; i < 1000 && n != expected; i++) {
        usleep(1000);
        n = tasks_in_proc();
    }
    return n;
}

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static volatile int detached_done;

static void *parked(void *arg) {
    (void)arg;
    pthread_mutex_lock(&gate);
    pthread_mutex_unlock(&gate);
    return NULL;
}

static void *detached(void *arg) {
    (void)arg;
    __atomic_store_n(&detached_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static pthread_mutex_t robust;

static void *die_holding(void *arg) {
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL; /* ends without unlocking */
}

int main(void) {
    main_pid = getpid();
    printf("main is its own thread: %d\n", (pid_t)syscall(SYS_gettid) == main_pid);
    pthread_t t[5];
    for (long i = 0; i < 5; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) return 1;
    for (int i = 0; i < 5; i++) {
        void *r;
        int e = pthread_join(t[i], &r);
        printf("join %d: %d, value %ld\n", i, e, (long)r);
    }
    printf("main tls still %ld\n", tls_value);

    /* Three live threads parked on a mutex: four tasks in /proc. */
    pthread_mutex_lock(&gate);
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, parked, NULL);
    printf("tasks while parked: %d\n", tasks_settled(4));
    pthread_mutex_unlock(&gate);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    printf("tasks after join: %d\n", tasks_settled(1));

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t d;
    pthread_create(&d, &attr, detached, NULL);
    while (!__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST)) usleep(1000);
    printf("detached thread ran\n");

    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &ma);
    pthread_create(&t[0], NULL, die_holding, NULL);
    pthread_join(t[0], NULL);
    int e = pthread_mutex_lock(&robust);
    printf("robust lock after owner died: %s\n", e == EOWNERDEAD ? "EOWNERDEAD" : strerror(e));
    if (e == EOWNERDEAD) {
        pthread_mutex_consistent(&robust);
        pthread_mutex_unlock(&robust);
        printf("relock: %d\n", pthread_mutex_lock(&robust));
    }
    return 0;
}
