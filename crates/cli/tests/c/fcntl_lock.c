/* fcntl record locks: F_SETLK/F_SETLKW/F_GETLK (owned by the process:
 * byte ranges split and merged, released when the process closes any fd
 * of the file) and F_OFD_* (owned by the open file description), seen
 * from a child, blocking waits, deadlock detection and the errors. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include "check.h"

static char path[64];
static pid_t parent;

static struct flock req(short type, short whence, off_t start, off_t len) {
    struct flock f;
    memset(&f, 0, sizeof f);
    f.l_type = type;
    f.l_whence = whence;
    f.l_start = start;
    f.l_len = len;
    return f;
}

static int setlk(int fd, int cmd, short type, short whence, off_t start, off_t len) {
    struct flock f = req(type, whence, start, len);
    return fcntl(fd, cmd, &f);
}

/* F_GETLK (or F_OFD_GETLK) and what it found, pids shown relative to the
 * processes the test knows. */
static void getlk(int fd, int cmd, short type, off_t start, off_t len) {
    struct flock f = req(type, SEEK_SET, start, len);
    int r = fcntl(fd, cmd, &f);
    if (r < 0) {
        printf("getlk %s %ld+%ld: %s\n", cmd == F_GETLK ? "F_GETLK" : "F_OFD_GETLK",
               (long)start, (long)len, errname(errno));
        return;
    }
    const char *who = f.l_pid == parent ? "parent" : f.l_pid == getpid() ? "self"
                      : f.l_pid == -1 ? "-1" : f.l_pid == 0 ? "0" : "other";
    printf("getlk %s %ld+%ld: type %d whence %d start %ld len %ld pid %s\n",
           cmd == F_GETLK ? "F_GETLK" : "F_OFD_GETLK", (long)start, (long)len, f.l_type,
           f.l_whence, (long)f.l_start, (long)f.l_len, who);
}

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
    int fd = open(path, O_RDWR);
    struct flock f;
    SHOW(setlk(-1, F_SETLK, F_RDLCK, SEEK_SET, 0, 0));
    SHOW(setlk(99, F_GETLK, F_RDLCK, SEEK_SET, 0, 0));
    SHOW(fcntl(fd, F_SETLK, BAD_PTR));
    SHOW(fcntl(fd, F_SETLKW, BAD_PTR));
    SHOW(fcntl(fd, F_GETLK, BAD_PTR));
    SHOW(fcntl(fd, F_OFD_SETLK, BAD_PTR));
    SHOW(setlk(fd, F_SETLK, 5, SEEK_SET, 0, 0));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, 7, 0, 0));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, -1, 0));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 5, -6));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, INT64_MAX, 2));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, INT64_MAX, 1));
    SHOW(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    lseek(fd, 10, SEEK_SET);
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_CUR, INT64_MAX, 0));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_CUR, -11, 0));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_END, -1, 0));
    SHOW(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    getlk(fd, F_GETLK, F_UNLCK, 0, 0); /* F_GETLK must ask for a lock */
    getlk(fd, F_GETLK, 9, 0, 0);
    getlk(fd, F_OFD_GETLK, 9, 0, 0);
    f = req(F_RDLCK, SEEK_SET, 0, 0);
    f.l_pid = 1;
    SHOW(fcntl(fd, F_OFD_SETLK, &f)); /* OFD requests need l_pid 0 */
    SHOW(fcntl(fd, F_OFD_GETLK, &f));
    SHOW(fcntl(fd, F_SETLK, &f));      /* ignored for process locks */
    SHOW(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
    SHOW(setlk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    SHOW(setlk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 0));
    SHOW(setlk(ro, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    SHOW(setlk(ro, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    getlk(ro, F_GETLK, F_WRLCK, 0, 0); /* testing needs no access */
    int p = open(path, O_PATH);
    SHOW(setlk(p, F_SETLK, F_RDLCK, SEEK_SET, 0, 0));
    getlk(p, F_GETLK, F_RDLCK, 0, 0);
    SHOW(fcntl(p, F_SETLK, BAD_PTR));
    /* O_PATH files take only F_DUPFD*, F_GETFD, F_SETFD and F_GETFL. */
    SHOW(fcntl(p, F_SETFL, O_NONBLOCK));
    SHOW(fcntl(p, F_GETFL) & O_NONBLOCK);
    SHOW(fcntl(p, F_SETFD, FD_CLOEXEC));
    SHOW(fcntl(p, F_GETFD));
    close(p);
    close(ro);
    close(wo);
    close(fd);
}

static int fd;

static void child_looks(void) {
    getlk(fd, F_GETLK, F_WRLCK, 5, 1);
    getlk(fd, F_GETLK, F_RDLCK, 5, 1);
    getlk(fd, F_GETLK, F_RDLCK, 25, 0);
    getlk(fd, F_GETLK, F_WRLCK, 25, 0);
    getlk(fd, F_GETLK, F_WRLCK, 12, 5);
    getlk(fd, F_GETLK, F_WRLCK, 10, 10);
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 9, 1));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 9, 1));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 5));
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10));
    /* A child's locks are its own: the parent's do not pass to it. */
    SHOW(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    getlk(fd, F_GETLK, F_WRLCK, 5, 1);
}

static void child_looks_at_ranges(void) {
    for (int off = 0; off < 140; off += 5)
        getlk(fd, F_GETLK, F_WRLCK, off, 1);
    getlk(fd, F_GETLK, F_WRLCK, 1000, 0);
}

static void process_locks(void) {
    fd = open(path, O_RDWR);
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
    /* The owner never conflicts with itself. */
    getlk(fd, F_GETLK, F_WRLCK, 0, 0);
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 5, 1));
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1));
    in_child(child_looks);

    /* Splitting, merging and changing kinds. */
    SHOW(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100));
    SHOW(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 40, 20));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 10, 10));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 100, 10));
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 110, 10));
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 125, -5)); /* 120..124 */
    lseek(fd, 130, SEEK_SET);
    SHOW(setlk(fd, F_SETLK, F_RDLCK, SEEK_CUR, 0, 5));
    SHOW(ftruncate(fd, 200));
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_END, -10, 0));
    in_child(child_looks_at_ranges);
    SHOW(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    in_child(child_looks_at_ranges);
}

static void child_after_close(void) {
    getlk(fd, F_GETLK, F_WRLCK, 0, 0);
}

static void close_releases(void) {
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    int other = open(path, O_RDONLY);
    in_child(child_after_close);
    /* Closing any fd of the file drops all the process's locks on it. */
    SHOW(close(other));
    in_child(child_after_close);
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    int d = dup(fd);
    SHOW(close(d));
    in_child(child_after_close);
}

static int ready[2];

static void blocking(void) {
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    pipe(ready);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        write(ready[1], "r", 1);
        SHOW(setlk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 5, 1));
        getlk(fd, F_GETLK, F_WRLCK, 0, 0);
        fflush(stdout);
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1);
    usleep(200000);
    printf("parent unlocks\n");
    int r = setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
    int status;
    waitpid(pid, &status, 0);
    printf("unlock %d, child status %d\n", r, status);
    close(ready[0]);
    close(ready[1]);
}

static volatile int alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void child_interrupted(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval t = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &t, NULL);
    SHOW(setlk(fd, F_SETLKW, F_RDLCK, SEEK_SET, 0, 1));
    printf("alarms %d\n", alarms);
}

static void interrupted(void) {
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    in_child(child_interrupted);
    SHOW(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
}

static void deadlock(void) {
    SHOW(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    pipe(ready);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1);
        write(ready[1], "r", 1);
        /* Waits for byte 0 while the parent will wait for byte 1. */
        int r = setlk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
        printf("child got byte 0: %d\n", r);
        fflush(stdout);
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1);
    usleep(200000);
    SHOW(setlk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1));
    int r = setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
    int status;
    waitpid(pid, &status, 0);
    printf("unlock %d, child status %d\n", r, status);
    close(ready[0]);
    close(ready[1]);
}

static int ofd2;

static void child_ofd(void) {
    /* The inherited open file is the same owner for OFD locks. */
    SHOW(setlk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    getlk(ofd2, F_OFD_GETLK, F_WRLCK, 0, 0);
    getlk(ofd2, F_GETLK, F_WRLCK, 0, 0);
    getlk(fd, F_OFD_GETLK, F_UNLCK, 0, 0);
    getlk(ofd2, F_OFD_GETLK, F_UNLCK, 0, 0);
}

static void ofd_locks(void) {
    ofd2 = open(path, O_RDWR);
    SHOW(setlk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    /* Another open file of the same process conflicts. */
    SHOW(setlk(ofd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 5, 1));
    getlk(ofd2, F_OFD_GETLK, F_RDLCK, 5, 1);
    /* Process locks and OFD locks have different owners. */
    SHOW(setlk(ofd2, F_SETLK, F_RDLCK, SEEK_SET, 5, 1));
    SHOW(setlk(ofd2, F_SETLK, F_RDLCK, SEEK_SET, 20, 1));
    getlk(fd, F_OFD_GETLK, F_WRLCK, 20, 1);
    getlk(fd, F_OFD_GETLK, F_UNLCK, 0, 0); /* this open file's own lock */
    getlk(ofd2, F_OFD_GETLK, F_UNLCK, 0, 0);
    /* Closing another fd does not drop OFD locks (it drops process ones). */
    int other = open(path, O_RDONLY);
    SHOW(close(other));
    getlk(ofd2, F_OFD_GETLK, F_WRLCK, 0, 0);
    getlk(ofd2, F_OFD_GETLK, F_WRLCK, 20, 0);
    in_child(child_ofd);
    /* The last close of the open file drops them. */
    int d = dup(fd);
    SHOW(close(fd));
    getlk(ofd2, F_OFD_GETLK, F_WRLCK, 0, 0);
    SHOW(close(d));
    getlk(ofd2, F_OFD_GETLK, F_WRLCK, 0, 0);
    close(ofd2);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    parent = getpid();
    snprintf(path, sizeof path, "/tmp/fcntl-lock-test-%d", getpid());
    int f = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (f < 0) {
        printf("create: %s\n", errname(errno));
        return 1;
    }
    close(f);
    errors();
    process_locks();
    close_releases();
    blocking();
    interrupted();
    deadlock();
    ofd_locks();
    unlink(path);
    return 0;
}
