/* sendfile: file to file and file to pipe, with an offset pointer or the
 * input's position, and the errors (bad fds and pointers, files that
 * cannot be read from or written to this way). */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

static char in_path[64], out_path[64];

static void show_file(const char *path) {
    char buf[128] = {0};
    int fd = open(path, O_RDONLY);
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("%s holds %ld: %s\n", path == in_path ? "in" : "out", n, buf);
}

static void errors(int in, int out) {
    off_t off;
    SHOW(sendfile(out, in, BAD_PTR, 4));
    SHOW(sendfile(99, in, BAD_PTR, 4)); /* the offset is read first */
    SHOW(sendfile(99, in, NULL, 4));
    SHOW(sendfile(out, 99, NULL, 4));
    SHOW(sendfile(out, -1, NULL, 4));
    SHOW(sendfile(out, in, NULL, 0));
    off = -1;
    SHOW(sendfile(out, in, &off, 4));
    printf("off %ld\n", (long)off);
    off = INT64_MAX - 2;
    SHOW(sendfile(out, in, &off, 4));
    int ro = open(out_path, O_RDONLY), wo = open(in_path, O_WRONLY);
    SHOW(sendfile(ro, in, NULL, 4));
    SHOW(sendfile(out, wo, NULL, 4));
    close(ro);
    close(wo);
    int ap = open(out_path, O_WRONLY | O_APPEND);
    SHOW(sendfile(ap, in, NULL, 4));
    close(ap);
    int p = open(in_path, O_PATH);
    SHOW(sendfile(out, p, NULL, 4));
    SHOW(sendfile(p, in, NULL, 4));
    close(p);
    int pp[2];
    pipe(pp);
    write(pp[1], "xy", 2);
    SHOW(sendfile(out, pp[0], NULL, 4)); /* pipes cannot be read this way */
    off = 0;
    SHOW(sendfile(out, pp[0], &off, 4));
    SHOW(sendfile(pp[0], in, NULL, 4));
    close(pp[0]);
    close(pp[1]);
    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    SHOW(sendfile(out, d, NULL, 4));
    SHOW(sendfile(d, in, NULL, 4));
    close(d);
    int null = open("/dev/null", O_RDWR);
    SHOW(sendfile(out, null, NULL, 4));
    off = 0;
    SHOW(sendfile(null, in, &off, 4));
    close(null);
}

static void file_to_file(int in, int out) {
    /* From the input's position, which moves; the output's moves too. */
    SHOW(lseek(in, 2, SEEK_SET));
    SHOW(sendfile(out, in, NULL, 5));
    SHOW(lseek(in, 0, SEEK_CUR));
    SHOW(lseek(out, 0, SEEK_CUR));
    /* With an offset: it is updated, the input's position is not. */
    off_t off = 10;
    SHOW(sendfile(out, in, &off, 100));
    printf("off %ld\n", (long)off);
    SHOW(lseek(in, 0, SEEK_CUR));
    SHOW(lseek(out, 0, SEEK_CUR));
    off = 1000;
    SHOW(sendfile(out, in, &off, 4)); /* past the end: nothing */
    printf("off %ld\n", (long)off);
    show_file(out_path);
    /* Into a memfd, and from /dev/zero. */
    int m = memfd_create("sendfile", 0);
    off = 0;
    SHOW(sendfile(m, in, &off, 16));
    int zero = open("/dev/zero", O_RDONLY);
    SHOW(sendfile(m, zero, NULL, 8));
    close(zero);
    struct stat st;
    fstat(m, &st);
    printf("memfd size %ld\n", (long)st.st_size);
    close(m);
    /* A file into itself. */
    SHOW(lseek(in, 0, SEEK_SET));
    SHOW(sendfile(in, in, NULL, 4));
    SHOW(lseek(in, 0, SEEK_CUR));
}

static void file_to_pipe(int in) {
    int pp[2];
    pipe(pp);
    off_t off = 3;
    SHOW(sendfile(pp[1], in, &off, 6));
    printf("off %ld\n", (long)off);
    char buf[32] = {0};
    SHOW(read(pp[0], buf, sizeof buf));
    printf("pipe: %s\n", buf);
    /* A full pipe takes what fits; non-blocking, it says EAGAIN. */
    int big = memfd_create("big", 0);
    SHOW(ftruncate(big, 200000));
    SHOW(fcntl(pp[1], F_SETFL, O_NONBLOCK));
    off = 0;
    SHOW(sendfile(pp[1], big, &off, 200000));
    printf("off %ld\n", (long)off);
    SHOW(sendfile(pp[1], big, &off, 200000));
    /* A blocking sendfile waits for a reader to make room. */
    SHOW(fcntl(pp[1], F_SETFL, 0));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        usleep(100000);
        char sink[4096];
        long total = 0, n;
        while (total < 65536 + 4096 && (n = read(pp[0], sink, sizeof sink)) > 0)
            total += n;
        _exit(0);
    }
    long n = sendfile(pp[1], big, &off, 4096);
    waitpid(child, NULL, 0);
    printf("after the reader: %ld\n", n);
    close(big);
    /* No reader: EPIPE and SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    close(pp[0]);
    off = 0;
    SHOW(sendfile(pp[1], in, &off, 4));
    close(pp[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(in_path, sizeof in_path, "/tmp/sendfile-in-%d", getpid());
    snprintf(out_path, sizeof out_path, "/tmp/sendfile-out-%d", getpid());
    int in = open(in_path, O_CREAT | O_EXCL | O_RDWR, 0600);
    int out = open(out_path, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (in < 0 || out < 0) {
        printf("create: %s\n", errname(errno));
        return 1;
    }
    SHOW(write(in, "0123456789abcdefghij", 20));
    errors(in, out);
    file_to_file(in, out);
    show_file(in_path);
    file_to_pipe(in);
    unlink(in_path);
    unlink(out_path);
    return 0;
}
