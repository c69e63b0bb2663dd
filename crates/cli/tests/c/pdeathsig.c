/* PR_SET_PDEATHSIG / PR_GET_PDEATHSIG: per thread, cleared for a new
 * process or thread, kept across exec, cleared by a change of the
 * effective or file-system ids; sent (SI_USER, from the parent) when the
 * parent process ends, and when the parent *thread* ends while its
 * process goes on (the child then belongs to another of its threads). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "check.h"

static volatile int got_sig, got_code, got_pid;
static void on_sig(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_pid = si->si_pid;
}

static int get_pdeathsig(void) {
    int v = -1;
    prctl(PR_GET_PDEATHSIG, &v);
    return v;
}

static void *show_in_thread(void *arg) {
    (void)arg;
    printf("new thread: pdeathsig=%d\n", get_pdeathsig());
    return NULL;
}

/* The child whose parent (thread) dies: sets `sig` as its parent-death
 * signal, says so on `ready`, waits for it and reports on `out`. */
static void orphan(int sig, int ready, int out) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, sig);
    write(ready, "r", 1);
    for (int i = 0; i < 500 && !got_sig; i++)
        usleep(10000);
    char line[160];
    int n = snprintf(line, sizeof line,
                     "  child: sig=%d code=%s from_parent=%d parent_gone=%d\n", got_sig,
                     got_code == SI_USER ? "SI_USER" : "?", got_pid == parent,
                     getppid() != parent);
    write(out, line, n);
    _exit(got_sig ? 0 : 1);
}

static int ready[2], report[2];

static void *thread_parent(void *arg) {
    (void)arg;
    pid_t k = fork();
    if (k == 0)
        orphan(SIGUSR2, ready[1], report[1]);
    char b;
    read(ready[0], &b, 1);
    return (void *)(long)k; /* the thread ends: k's parent thread is gone */
}

/* Copies what the orphan reports to stdout (it has no other order). */
static void relay(void) {
    char buf[256];
    ssize_t n = read(report[0], buf, sizeof buf);
    if (n > 0)
        fwrite(buf, 1, n, stdout);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        printf("after exec: pdeathsig=%d\n", get_pdeathsig());
        return 0;
    }
    int v;
    SHOW(prctl(PR_GET_PDEATHSIG, &v));
    printf("initially %d\n", v);
    SHOW(prctl(PR_SET_PDEATHSIG, 65));
    SHOW(prctl(PR_SET_PDEATHSIG, -1L));
    SHOW(prctl(PR_SET_PDEATHSIG, SIGUSR1));
    SHOW(prctl(PR_GET_PDEATHSIG, BAD_PTR));
    printf("now %d\n", get_pdeathsig());
    pthread_t t;
    pthread_create(&t, NULL, show_in_thread, NULL);
    pthread_join(t, NULL);
    pid_t c = fork();
    if (c == 0) {
        printf("forked child: pdeathsig=%d\n", get_pdeathsig());
        execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
        _exit(1);
    }
    waitpid(c, NULL, 0);
    c = fork();
    if (c == 0) {
        prctl(PR_SET_PDEATHSIG, SIGUSR2);
        execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
        _exit(1);
    }
    waitpid(c, NULL, 0);
    /* Credentials: no change keeps it, a change of fsuid clears it. */
    setresuid(-1, -1, -1);
    printf("after setresuid(-1,-1,-1): %d\n", get_pdeathsig());
    if (geteuid() == 0) {
        setfsuid(1);
        printf("after setfsuid(1): %d\n", get_pdeathsig());
        setfsuid(0);
    } else {
        printf("after setfsuid(1): 0\n");
    }
    prctl(PR_SET_PDEATHSIG, 0);

    pipe(ready);
    pipe(report);

    /* 1. The parent process ends. */
    printf("parent process ends:\n");
    pid_t p = fork();
    if (p == 0) {
        pid_t k = fork();
        if (k == 0)
            orphan(SIGUSR1, ready[1], report[1]);
        char b;
        read(ready[0], &b, 1);
        _exit(0);
    }
    relay();
    waitpid(p, NULL, 0);

    /* 2. The parent thread ends; its process takes the child over and can
     * still wait for it. */
    printf("parent thread ends:\n");
    p = fork();
    if (p == 0) {
        void *k;
        pthread_t th;
        pthread_create(&th, NULL, thread_parent, NULL);
        pthread_join(th, &k);
        int st = 0;
        pid_t r = waitpid((pid_t)(long)k, &st, 0);
        _exit(r == (pid_t)(long)k && WIFEXITED(st) ? 40 + WEXITSTATUS(st) : 99);
    }
    relay();
    int st;
    waitpid(p, &st, 0);
    printf("parent process reaped its child: %d\n", WEXITSTATUS(st));

    /* 3. No signal set: nothing comes. */
    printf("no signal set:\n");
    p = fork();
    if (p == 0) {
        pid_t k = fork();
        if (k == 0) {
            pid_t parent = getppid();
            write(ready[1], "r", 1);
            while (getppid() == parent)
                usleep(10000);
            usleep(50000);
            write(report[1], "  child: no signal\n", 19);
            _exit(0);
        }
        char b;
        read(ready[0], &b, 1);
        _exit(0);
    }
    relay();
    waitpid(p, NULL, 0);
    return 0;
}
