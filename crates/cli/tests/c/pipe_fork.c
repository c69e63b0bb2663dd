/* Pipes between processes: a child reads what its parent writes (more
 * than the pipe holds, so both sides block in turn) until EOF; the parent
 * blocks reading until its child writes; a writer whose reader exits gets
 * EPIPE or dies of SIGPIPE. Children report through exit codes and a
 * pipe, so the output order is fixed. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "check.h"

static char buf[100000];

static void show_status(const char *what, int st) {
    printf("%s: exited=%d code=%d signaled=%d sig=%d\n", what, WIFEXITED(st),
           WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st),
           WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

int main(void) {
    int p[2], back[2], st;

    /* Parent to child: 1 MB through a 64 KiB pipe; the child sums it. */
    SHOW(pipe(p));
    SHOW(pipe(back));
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        close(back[0]);
        long total = 0, sum = 0, n;
        while ((n = read(p[0], buf, sizeof buf)) > 0) {
            for (long i = 0; i < n; i++)
                sum += (unsigned char)buf[i];
            total += n;
        }
        long answer[2] = {total, sum};
        write(back[1], answer, sizeof answer);
        _exit(n == 0 ? 0 : 1);
    }
    SHOW(close(p[0]));
    SHOW(close(back[1]));
    long expect = 0;
    for (int round = 0; round < 10; round++) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (char)(i * 7 + round);
        for (size_t i = 0; i < sizeof buf; i++)
            expect += (unsigned char)buf[i];
        long n = write(p[1], buf, sizeof buf);
        if (n != (long)sizeof buf)
            printf("round %d: short write %ld\n", round, n);
    }
    SHOW(close(p[1])); /* EOF for the child */
    long answer[2] = {0, 0};
    SHOW(read(back[0], answer, sizeof answer)); /* waits for the child */
    printf("child read %ld bytes, sums match: %d\n", answer[0], answer[1] == expect);
    SHOW(read(back[0], answer, sizeof answer)); /* EOF: the child is gone */
    SHOW(waitpid(c, &st, 0) == c);
    show_status("reader", st);
    SHOW(close(back[0]));

    /* Child to parent, while the parent already waits. */
    SHOW(pipe(p));
    c = fork();
    if (c == 0) {
        close(p[0]);
        usleep(100000);
        write(p[1], "late news", 9);
        _exit(0);
    }
    SHOW(close(p[1]));
    char msg[16] = {0};
    SHOW(read(p[0], msg, sizeof msg - 1));
    printf("got: %s\n", msg);
    SHOW(read(p[0], msg, sizeof msg)); /* EOF */
    SHOW(waitpid(c, &st, 0) == c);
    show_status("writer", st);
    SHOW(close(p[0]));

    /* The reader exits while a child writes: SIGPIPE kills the child. */
    SHOW(pipe(p));
    c = fork();
    if (c == 0) {
        close(p[0]);
        for (;;)
            write(p[1], buf, sizeof buf);
    }
    SHOW(close(p[1]));
    SHOW(read(p[0], buf, 10));
    SHOW(close(p[0]));
    SHOW(waitpid(c, &st, 0) == c);
    show_status("SIGPIPE", st);

    /* The same with SIGPIPE ignored: the child sees EPIPE. */
    SHOW(pipe(p));
    c = fork();
    if (c == 0) {
        signal(SIGPIPE, SIG_IGN);
        close(p[0]);
        long n;
        while ((n = write(p[1], buf, sizeof buf)) > 0) {
        }
        _exit(errno == EPIPE ? 32 : 1);
    }
    SHOW(close(p[1]));
    SHOW(read(p[0], buf, 10));
    SHOW(close(p[0]));
    SHOW(waitpid(c, &st, 0) == c);
    show_status("EPIPE", st);
    return 0;
}
