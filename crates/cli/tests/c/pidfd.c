/* pidfds: pidfd_open, CLONE_PIDFD (clone and clone3), pidfd_send_signal,
 * pidfd_getfd, waitid(P_PIDFD) and poll on a pidfd; what the file looks
 * like (readlink, fstat's file type, flags); the error paths of each. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_send_signal 424
#define SYS_clone3 435
#define SYS_pidfd_open 434
#define SYS_pidfd_getfd 438
#endif

/* struct clone_args (CLONE_ARGS_SIZE_VER0); musl has no linux/sched.h. */
struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* waitid with its rusage argument (the raw call). */
#define waitid_ru(which, id, si, options, ru) syscall(SYS_waitid, which, id, si, options, ru)

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags) {
    return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}
static int pidfd_getfd(int fd, int target, unsigned flags) {
    return syscall(SYS_pidfd_getfd, fd, target, flags);
}
static long clone3_(struct clone_args *a) { return syscall(SYS_clone3, a, sizeof *a); }

static void show_poll(const char *what, int fd, int timeout) {
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, timeout);
    printf("%-40s poll = %d revents = %#x\n", what, r, p.revents);
}

static void show_si(const char *what, siginfo_t *si, pid_t child) {
    printf("%-40s signo=%d code=%d pid_ok=%d status=%d\n", what, si->si_signo, si->si_code,
           si->si_pid == child, si->si_status);
}

static void describe(int fd) {
    char path[64], link[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    struct stat st;
    fstat(fd, &st);
    printf("link=%s type=%o getfl=%o getfd=%d\n", link, st.st_mode & S_IFMT,
           fcntl(fd, F_GETFL), fcntl(fd, F_GETFD));
}

static void *thread_main(void *arg) {
    (void)arg;
    SHOW(pidfd_open(syscall(SYS_gettid), 0));
    return NULL;
}

/* A child that waits on a pipe until its parent writes or kills it. */
static pid_t sleeper(int *release) {
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        char b;
        read(p[0], &b, 1);
        _exit(b);
    }
    close(p[0]);
    *release = p[1];
    return c;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    siginfo_t si;
    char buf[16];

    /* 1. pidfd_open on a child that exits by itself. */
    int release;
    pid_t c = sleeper(&release);
    int fd = pidfd_open(c, 0);
    describe(fd);
    show_poll("running", fd, 0);
    SHOW(read(fd, buf, sizeof buf));
    SHOW(write(fd, buf, 1));
    memset(&si, 0, sizeof si);
    SHOW(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG));
    show_si("nothing yet", &si, c);
    write(release, "\5", 1);
    show_poll("exited (waits)", fd, -1);
    SHOW(pidfd_send_signal(fd, 0, NULL, 0)); /* a zombie takes it */
    SHOW(pidfd_send_signal(fd, SIGTERM, NULL, 0));
    SHOW(pidfd_getfd(fd, 0, 0));             /* no files left */
    int again = pidfd_open(c, 0);            /* a zombie has a pidfd */
    printf("pidfd_open(zombie) ok=%d\n", again >= 0);
    memset(&si, 0, sizeof si);
    SHOW(waitid(P_PIDFD, fd, &si, WEXITED | WNOWAIT));
    show_si("WNOWAIT", &si, c);
    memset(&si, 0, sizeof si);
    SHOW(waitid(P_PIDFD, again, &si, WEXITED));
    show_si("reaped", &si, c);
    show_poll("reaped", fd, 0);
    SHOW(waitid(P_PIDFD, fd, &si, WEXITED));
    SHOW(pidfd_send_signal(fd, 0, NULL, 0));
    SHOW(pidfd_getfd(fd, 0, 0));
    SHOW(pidfd_open(c, 0));
    close(again);
    close(fd);

    /* 2. pidfd_open errors. */
    SHOW(pidfd_open(0, 0));
    SHOW(pidfd_open(-1, 0));
    SHOW(pidfd_open(getpid(), 1));
    SHOW(pidfd_open(getpid(), O_CLOEXEC));
    SHOW(pidfd_open(99999, 0));
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    int nb = pidfd_open(getpid(), O_NONBLOCK);
    describe(nb);
    close(nb);

    /* 3. pidfd_send_signal: info, permissions, errors; a kill. */
    int self = pidfd_open(getpid(), 0);
    SHOW(pidfd_send_signal(self, 0, NULL, 0));
    SHOW(pidfd_send_signal(self, 0, NULL, 8));
    SHOW(pidfd_send_signal(self, 65, NULL, 0));
    SHOW(pidfd_send_signal(self, 0, BAD_PTR, 0));
    SHOW(pidfd_send_signal(1, 0, NULL, 0));
    SHOW(pidfd_send_signal(999, 0, NULL, 0));
    SHOW(pidfd_send_signal(-1, 0, NULL, 0));
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    SHOW(pidfd_send_signal(self, SIGUSR2, &si, 0)); /* signo mismatch */
    c = sleeper(&release);
    fd = pidfd_open(c, 0);
    si.si_code = SI_USER;
    SHOW(pidfd_send_signal(fd, SIGUSR1, &si, 0));   /* pretending: EPERM */
    si.si_code = SI_QUEUE;
    SHOW(pidfd_send_signal(fd, 0, &si, 0));          /* signo mismatch */
    SHOW(pidfd_send_signal(fd, SIGKILL, NULL, 0));
    show_poll("killed", fd, -1);
    memset(&si, 0, sizeof si);
    SHOW(waitid(P_PIDFD, fd, &si, WEXITED));
    show_si("killed", &si, c);
    close(release);
    close(fd);

    /* 4. waitid(P_PIDFD) errors, and O_NONBLOCK pidfds. */
    SHOW(waitid(P_PIDFD, -1, &si, WEXITED));
    SHOW(waitid(P_PIDFD, 999, &si, WEXITED));
    SHOW(waitid(P_PIDFD, 1, &si, WEXITED));
    SHOW(waitid(P_PIDFD, self, &si, WEXITED | WNOHANG)); /* not a child */
    c = sleeper(&release);
    fd = pidfd_open(c, O_NONBLOCK);
    memset(&si, 0x55, sizeof si);
    struct rusage ru;
    memset(&ru, 0x55, sizeof ru);
    SHOW(waitid_ru(P_PIDFD, fd, &si, WEXITED, &ru));
    unsigned char *raw = (unsigned char *)&si;
    printf("si after EAGAIN: signo=%d code=%d pid=%d status=%d pad=%#x ru untouched=%d\n",
           si.si_signo, si.si_code, si.si_pid, si.si_status, raw[12],
           ((unsigned char *)&ru)[0] == 0x55);
    write(release, "\7", 1);
    show_poll("exited", fd, -1);
    SHOW(waitid_ru(P_PIDFD, fd, &si, WEXITED, &ru));
    show_si("nonblock", &si, c);
    close(release);
    close(fd);

    /* 5. pidfd_getfd: a copy of a child's fd, close-on-exec. */
    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) {
        dup2(p[0], 40);
        write(p[1], "from the child", 14);
        pause();
        _exit(0);
    }
    fd = pidfd_open(c, 0);
    int got = -1;
    for (int i = 0; i < 200 && got < 0; i++) {
        got = pidfd_getfd(fd, 40, 0);
        if (got < 0)
            usleep(10000);
    }
    printf("getfd ok=%d cloexec=%d\n", got >= 0, fcntl(got, F_GETFD));
    memset(buf, 0, sizeof buf);
    SHOW(read(got, buf, 14));
    printf("read: %s\n", buf);
    SHOW(pidfd_getfd(fd, 40, 1));
    SHOW(pidfd_getfd(fd, 41, 0));
    SHOW(pidfd_getfd(fd, -1, 0));
    SHOW(pidfd_getfd(1, 0, 0));
    SHOW(pidfd_getfd(999, 0, 0));
    SHOW(pidfd_getfd(self, 1, 0) >= 0);
    pidfd_send_signal(fd, SIGTERM, NULL, 0);
    SHOW(waitid(P_PIDFD, fd, &si, WEXITED));
    show_si("terminated", &si, c);
    close(fd);
    close(got);
    close(p[0]);
    close(p[1]);

    /* 6. CLONE_PIDFD with clone3 and clone. */
    int cfd = -1;
    struct clone_args ca = {0};
    ca.flags = CLONE_PIDFD;
    ca.pidfd = (uintptr_t)&cfd;
    ca.exit_signal = SIGCHLD;
    long k = clone3_(&ca);
    if (k == 0)
        _exit(11);
    describe(cfd);
    memset(&si, 0, sizeof si);
    SHOW(waitid(P_PIDFD, cfd, &si, WEXITED));
    show_si("clone3 child", &si, k);
    close(cfd);
    cfd = -1;
    k = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &cfd, NULL, 0);
    if (k == 0)
        _exit(12);
    printf("clone pidfd ok=%d\n", cfd >= 0);
    SHOW(waitid(P_PIDFD, cfd, &si, WEXITED));
    show_si("clone child", &si, k);
    close(cfd);
    SHOW(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &cfd, NULL, 0));
    SHOW(syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0, &cfd, NULL, 0));
    ca.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
    ca.parent_tid = ca.pidfd;
    SHOW(clone3_(&ca));
    ca.flags = CLONE_PIDFD;
    ca.pidfd = (uintptr_t)BAD_PTR;
    SHOW(clone3_(&ca));
    struct rlimit rl, low = {4, 4};
    getrlimit(RLIMIT_NOFILE, &rl);
    setrlimit(RLIMIT_NOFILE, &low);
    for (int i = 3; i < 4; i++)
        if (fcntl(i, F_GETFD) < 0)
            dup2(1, i);
    ca.pidfd = (uintptr_t)&cfd;
    SHOW(clone3_(&ca));
    setrlimit(RLIMIT_NOFILE, &rl);
    SHOW(wait(NULL)); /* the failed clones made no child */
    return 0;
}
