/* A blocking read of a pipe interrupted by a handled signal (sent by a
 * child after a delay): EINTR without SA_RESTART; with SA_RESTART the read
 * goes on and gets the data the child writes later. The same for wait4,
 * and for a signal the process ignores or has at a default that ignores
 * (nothing to see). */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

static volatile int handled;
static void handler(int sig) { (void)sig; handled++; }

static void msleep(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* A child that sends `sig` to the parent after 100 ms, then writes one
 * byte to `fd` after 400 ms more (if fd >= 0), then exits 3. */
static pid_t helper(int sig, int fd) {
    pid_t parent = getpid();
    pid_t p = fork();
    if (p == 0) {
        msleep(100);
        kill(parent, sig);
        msleep(400);
        if (fd >= 0)
            write(fd, "x", 1);
        _exit(3);
    }
    return p;
}

static void read_test(const char *what, int flags, int sig) {
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    int p[2];
    pipe(p);
    handled = 0;
    pid_t c = helper(sig, p[1]);
    char ch = 0;
    errno = 0;
    long n = read(p[0], &ch, 1);
    printf("%-22s read=%ld %s handled=%d\n", what, n, n < 0 ? errname(errno) : "", handled);
    int st;
    waitpid(c, &st, 0);
    close(p[0]);
    close(p[1]);
}

static void wait_test(const char *what, int flags) {
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    handled = 0;
    pid_t c = helper(SIGUSR1, -1);
    int st = 0;
    errno = 0;
    pid_t r = waitpid(c, &st, 0);
    printf("%-22s wait=%s %s handled=%d\n", what, r == c ? "child" : "-1", r < 0 ? errname(errno) : "", handled);
    if (r < 0) {
        r = waitpid(c, &st, 0);
        printf("%-22s again=%s status=%d\n", what, r == c ? "child" : "-1", WEXITSTATUS(st));
    } else {
        printf("%-22s status=%d\n", what, WEXITSTATUS(st));
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    read_test("read, no SA_RESTART", 0, SIGUSR1);
    read_test("read, SA_RESTART", SA_RESTART, SIGUSR1);
    signal(SIGUSR2, SIG_IGN);
    read_test("read, ignored signal", 0, SIGUSR2);
    read_test("read, SIGCHLD default", 0, SIGCHLD);
    wait_test("wait, no SA_RESTART", 0);
    wait_test("wait, SA_RESTART", SA_RESTART);
    return 0;
}
