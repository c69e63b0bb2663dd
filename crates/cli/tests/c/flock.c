/* flock(2): shared and exclusive locks per open file description, shared
 * by dup and fork, released on the last close, conversions, blocking
 * waits ended by an unlock or by a signal, and the errors. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>
#include "check.h"

static char path[64];

static int open_rw(void) { return open(path, O_RDWR); }

/* Runs `body` in a child and waits for it; its output comes first. */
static void in_child(void (*body)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        body();
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child status %d\n", status);
}

static void errors(void) {
    int fd = open_rw();
    SHOW(flock(-1, LOCK_SH));
    SHOW(flock(99, LOCK_EX));
    SHOW(flock(99, 0));            /* the command is checked first */
    SHOW(flock(fd, 0));
    SHOW(flock(fd, LOCK_NB));
    SHOW(flock(fd, LOCK_SH | LOCK_EX));
    SHOW(flock(fd, LOCK_SH | LOCK_UN));
    SHOW(flock(fd, LOCK_SH | 0x100));
    SHOW(flock(fd, 32));           /* LOCK_MAND: ignored */
    SHOW(flock(99, 32));
    SHOW(flock(fd, LOCK_UN));      /* nothing to unlock */
    int p = open(path, O_PATH);
    SHOW(flock(p, LOCK_SH));
    SHOW(flock(p, LOCK_UN));
    close(p);
    int ro = open(path, O_RDONLY);
    SHOW(flock(ro, LOCK_EX | LOCK_NB)); /* any access mode may lock */
    SHOW(flock(ro, LOCK_UN));
    close(ro);
    close(fd);
}

static void two_open_files(void) {
    int a = open_rw(), b = open_rw();
    SHOW(flock(a, LOCK_EX | LOCK_NB));
    SHOW(flock(a, LOCK_EX | LOCK_NB)); /* again: same open file */
    SHOW(flock(b, LOCK_EX | LOCK_NB));
    SHOW(flock(b, LOCK_SH | LOCK_NB));
    SHOW(flock(a, LOCK_SH));           /* downgrade */
    SHOW(flock(b, LOCK_SH | LOCK_NB));
    /* A failed conversion loses the old lock, as on Linux: b has none now. */
    SHOW(flock(b, LOCK_EX | LOCK_NB));
    SHOW(flock(a, LOCK_EX | LOCK_NB));
    SHOW(flock(b, LOCK_EX | LOCK_NB));
    SHOW(flock(a, LOCK_SH | LOCK_NB));
    SHOW(flock(b, LOCK_UN));
    SHOW(flock(a, LOCK_SH | LOCK_NB));
    SHOW(flock(a, LOCK_UN));
    close(a);
    close(b);
}

static void dup_and_close(void) {
    int a = open_rw(), b = open_rw();
    int d = dup(a);
    SHOW(flock(a, LOCK_EX | LOCK_NB));
    SHOW(flock(d, LOCK_EX | LOCK_NB)); /* the same open file */
    SHOW(close(a));
    SHOW(flock(b, LOCK_EX | LOCK_NB)); /* d still holds it */
    SHOW(close(d));                    /* the last close releases it */
    SHOW(flock(b, LOCK_EX | LOCK_NB));
    close(b);
}

static int shared_fd;

static void child_sees_shared_lock(void) {
    SHOW(flock(shared_fd, LOCK_EX | LOCK_NB)); /* inherited: the same file */
    int own = open_rw();
    SHOW(flock(own, LOCK_SH | LOCK_NB));
    close(own);
}

static void across_fork(void) {
    shared_fd = open_rw();
    SHOW(flock(shared_fd, LOCK_EX));
    in_child(child_sees_shared_lock);
    int other = open_rw();
    SHOW(flock(other, LOCK_SH | LOCK_NB)); /* the child's exit kept it */
    /* The child's copy keeps the lock after the parent closes its fd. */
    int go[2];
    pipe(go);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        read(go[0], &c, 1);
        _exit(0);
    }
    close(go[0]);
    SHOW(close(shared_fd));
    SHOW(flock(other, LOCK_SH | LOCK_NB));
    close(go[1]);
    waitpid(pid, NULL, 0);
    SHOW(flock(other, LOCK_SH | LOCK_NB));
    close(other);
}

static int ready[2];

static void child_blocks(void) {
    int own = open_rw();
    write(ready[1], "r", 1);
    SHOW(flock(own, LOCK_EX)); /* waits for the parent's unlock */
    printf("child got the lock\n");
}

static void blocking_wait(void) {
    int a = open_rw();
    SHOW(flock(a, LOCK_SH));
    pipe(ready);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        child_blocks();
        fflush(stdout);
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1);
    usleep(200000);
    printf("parent unlocks\n");
    int r = flock(a, LOCK_UN);
    int status;
    waitpid(pid, &status, 0);
    printf("unlock %d, child status %d\n", r, status);
    close(a);
    close(ready[0]);
    close(ready[1]);
}

static volatile int alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void child_interrupted(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval t = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &t, NULL);
    int own = open_rw();
    SHOW(flock(own, LOCK_EX));
    printf("alarms %d\n", alarms);
    SHOW(flock(own, LOCK_EX | LOCK_NB));
}

static void interrupted_wait(void) {
    int a = open_rw();
    SHOW(flock(a, LOCK_EX));
    in_child(child_interrupted);
    close(a);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof path, "/tmp/flock-test-%d", getpid());
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        printf("create: %s\n", errname(errno));
        return 1;
    }
    close(fd);
    errors();
    two_open_files();
    dup_and_close();
    across_fork();
    blocking_wait();
    interrupted_wait();
    unlink(path);
    return 0;
}
