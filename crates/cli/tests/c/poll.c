/* poll and ppoll on pipes: readiness, hang-up, errors, timeouts. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <time.h>
#include "check.h"

static void show(const char *what, struct pollfd *p, int n) {
    printf("%s:", what);
    for (int i = 0; i < n; i++) printf(" fd%d=%#x", i, p[i].revents);
    printf("\n");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int fds[2];
    pipe(fds);
    struct pollfd p[3] = {{fds[0], POLLIN, 0}, {fds[1], POLLOUT, 0}, {-1, POLLIN, 0}};
    SHOW(poll(p, 3, 0));
    show("empty", p, 3);
    write(fds[1], "x", 1);
    SHOW(poll(p, 3, 0));
    show("data", p, 3);
    struct timespec a, b;
    char c;
    read(fds[0], &c, 1);
    clock_gettime(CLOCK_MONOTONIC, &a);
    SHOW(poll(p, 1, 50));
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("waited at least 45ms: %d\n", ms >= 45);
    struct timespec ts = {0, 20 * 1000 * 1000};
    SHOW(ppoll(p, 1, &ts, NULL));
    close(fds[1]);
    SHOW(poll(p, 1, 0));
    show("writer gone", p, 1);
    int q[2];
    pipe(q);
    close(q[0]);
    struct pollfd w = {q[1], POLLOUT, 0};
    SHOW(poll(&w, 1, 0));
    show("reader gone", &w, 1);
    struct pollfd bad = {999, POLLIN, 0};
    SHOW(poll(&bad, 1, 0));
    show("bad fd", &bad, 1);
    SHOW(poll(BAD_PTR, 1, 0));
    SHOW(poll(p, 1 << 30, 0));
    struct pollfd file = {open("/usr/include/stdio.h", 0), POLLIN | POLLOUT, 0};
    SHOW(poll(&file, 1, -1));
    show("regular file", &file, 1);
    return 0;
}
