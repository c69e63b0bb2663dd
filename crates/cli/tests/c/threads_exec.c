/* execve from a thread that is not the main one, while the others block
 * in the kernel (a condition variable, a sleep, a join): they all end, the
 * process keeps its pid, and the new program runs as its only thread,
 * with tid == pid. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static char *self;
static char pidbuf[32];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static int tasks_in_proc(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void *waiter(void *arg) {
    (void)arg;
    pthread_mutex_lock(&m);
    for (;;) pthread_cond_wait(&cv, &m);
    return NULL;
}

static void *sleeper(void *arg) {
    (void)arg;
    for (;;) sleep(100);
    return NULL;
}

static void *execer(void *arg) {
    (void)arg;
    usleep(50000);
    char *argv[] = {self, "after", pidbuf, NULL};
    execv(self, argv);
    perror("execv");
    exit(1);
}

static int run(void) {
    snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
    pthread_t t[3];
    pthread_create(&t[0], NULL, waiter, NULL);
    pthread_create(&t[1], NULL, sleeper, NULL);
    pthread_create(&t[2], NULL, execer, NULL);
    pthread_join(t[2], NULL);
    return 2;
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc == 3 && strcmp(argv[1], "after") == 0) {
        printf("after exec: same pid %d, tid is pid %d, tasks %d\n",
               getpid() == atoi(argv[2]), (pid_t)syscall(SYS_gettid) == getpid(),
               tasks_in_proc());
        return 7;
    }
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) return run();
    int st;
    if (waitpid(c, &st, 0) != c) return 1;
    printf("child: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    fflush(stdout);
    return run();
}
