/* splice (file to pipe, pipe to file, pipe to pipe, with and without
 * offsets) and tee, their blocking rules and errors. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

static char path[64];

static void drain(int fd, const char *what) {
    char buf[256] = {0};
    long n = read(fd, buf, sizeof buf - 1);
    printf("%s: %ld %s\n", what, n, n > 0 ? buf : "");
}

static void errors(int file, int p[2]) {
    loff_t off = 0;
    SHOW(splice(file, NULL, p[1], NULL, 0, 0));       /* nothing to do */
    SHOW(splice(99, NULL, p[1], NULL, 0, 0));
    SHOW(splice(file, NULL, p[1], NULL, 4, 0x10));
    SHOW(splice(99, NULL, p[1], NULL, 4, 0));
    SHOW(splice(file, NULL, 99, NULL, 4, 0));
    SHOW(splice(file, NULL, file, NULL, 4, 0));        /* no pipe */
    SHOW(splice(p[0], NULL, p[1], NULL, 4, 0));        /* the same pipe */
    SHOW(splice(p[0], &off, file, NULL, 4, 0));        /* a pipe's offset */
    SHOW(splice(file, NULL, p[1], &off, 4, 0));
    SHOW(splice(file, BAD_PTR, p[1], NULL, 4, 0));
    SHOW(splice(p[0], NULL, file, BAD_PTR, 4, 0));
    SHOW(splice(p[1], NULL, file, NULL, 4, 0));        /* the write end */
    SHOW(splice(file, NULL, p[0], NULL, 4, 0));        /* the read end */
    off = -1;
    SHOW(splice(file, &off, p[1], NULL, 4, 0));
    int ap = open(path, O_WRONLY | O_APPEND);
    write(p[1], "zz", 2);
    SHOW(splice(p[0], NULL, ap, NULL, 4, 0));
    close(ap);
    int null = open("/dev/null", O_RDWR);
    SHOW(splice(null, NULL, p[1], NULL, 4, 0));
    SHOW(splice(p[0], NULL, null, NULL, 4, 0));        /* null takes it all */
    close(null);
    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    SHOW(splice(d, NULL, p[1], NULL, 4, 0));
    close(d);
    SHOW(tee(p[0], p[1], 4, 0));
    SHOW(tee(file, p[1], 4, 0));
    SHOW(tee(p[0], file, 4, 0));
    SHOW(tee(p[0], p[1], 4, 0x10));
    SHOW(tee(99, p[1], 0, 0));
    SHOW(tee(99, p[1], 4, 0x10));
    SHOW(tee(99, p[1], 4, 0));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof path, "/tmp/splice-test-%d", getpid());
    int file = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (file < 0) {
        printf("create: %s\n", errname(errno));
        return 1;
    }
    SHOW(write(file, "0123456789abcdefghij", 20));
    int p[2], q[2];
    pipe(p);
    pipe(q);
    errors(file, p);

    /* File to pipe: from the position (which moves) or an offset. */
    SHOW(lseek(file, 4, SEEK_SET));
    SHOW(splice(file, NULL, p[1], NULL, 6, 0));
    SHOW(lseek(file, 0, SEEK_CUR));
    loff_t off = 15;
    SHOW(splice(file, &off, p[1], NULL, 100, SPLICE_F_MOVE));
    printf("off %ld\n", (long)off);
    SHOW(splice(file, &off, p[1], NULL, 100, 0));    /* at the end */
    SHOW(lseek(file, 0, SEEK_CUR));

    /* Tee copies, splice moves. */
    SHOW(tee(p[0], q[1], 3, 0));
    drain(q[0], "q after tee");
    SHOW(splice(p[0], NULL, q[1], NULL, 4, 0));
    drain(q[0], "q after splice");

    /* Pipe to file, at an offset (the position stays) or the position. */
    off = 100;
    SHOW(splice(p[0], NULL, file, &off, 2, 0));
    printf("off %ld\n", (long)off);
    SHOW(lseek(file, 0, SEEK_CUR));
    SHOW(lseek(file, 0, SEEK_END));
    SHOW(splice(p[0], NULL, file, NULL, 100, 0));
    SHOW(lseek(file, 0, SEEK_CUR));
    struct stat st;
    fstat(file, &st);
    printf("size %ld\n", (long)st.st_size);
    char buf[128] = {0};
    SHOW(pread(file, buf, sizeof buf, 98));
    printf("tail: %.*s\n", 12, buf + 2);

    /* Empty pipes: non-blocking says EAGAIN; without writers, 0. */
    SHOW(splice(p[0], NULL, file, NULL, 4, SPLICE_F_NONBLOCK));
    SHOW(tee(p[0], q[1], 4, SPLICE_F_NONBLOCK));
    SHOW(fcntl(p[0], F_SETFL, O_NONBLOCK));
    SHOW(splice(p[0], NULL, q[1], NULL, 4, 0));
    SHOW(fcntl(p[0], F_SETFL, 0));
    close(p[1]);
    SHOW(splice(p[0], NULL, file, NULL, 4, 0));
    SHOW(tee(p[0], q[1], 4, 0));
    SHOW(splice(p[0], NULL, q[1], NULL, 4, 0));
    close(p[0]);

    /* A blocked splice waits for a writer's data. */
    pipe(p);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        usleep(100000);
        write(p[1], "late", 4);
        _exit(0);
    }
    long n = splice(p[0], NULL, q[1], NULL, 100, 0);
    waitpid(child, NULL, 0);
    printf("after the writer: %ld\n", n);
    drain(q[0], "q");

    /* A full pipe: file to pipe fills the room, then EAGAIN. */
    int big = memfd_create("big", 0);
    ftruncate(big, 100000);
    SHOW(splice(big, NULL, q[1], NULL, 100000, 0));
    SHOW(splice(big, NULL, q[1], NULL, 100000, SPLICE_F_NONBLOCK));
    SHOW(lseek(big, 0, SEEK_CUR));
    close(big);

    /* No reader: EPIPE (and SIGPIPE, ignored here). */
    signal(SIGPIPE, SIG_IGN);
    close(q[0]);
    off = 0;
    SHOW(splice(file, &off, q[1], NULL, 4, 0));
    write(p[1], "x", 1);
    SHOW(splice(p[0], NULL, q[1], NULL, 4, 0));
    SHOW(tee(p[0], q[1], 4, 0));
    unlink(path);
    return 0;
}
