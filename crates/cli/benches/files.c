/* File operations, timed: `files OP N` prints `ns_per_op X`.
 *   stat     stat of a host file
 *   open     open, read 4 KiB, close of a host file
 *   readdir  opendir, read all, closedir of /usr/bin
 *   create   create, write 4 KiB, close, unlink in a host directory
 *            (/var/tmp: the overlay's upper layer under Trapline)
 *   tmp      the same in /tmp
 *   append   append 4 KiB to an open file (truncated every 256 writes) */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static char buf[4096];

static void create_in(const char *dir, long n) {
    char p[256];
    snprintf(p, sizeof p, "%s/files-bench-%d", dir, getpid());
    for (long i = 0; i < n; i++) {
        int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        write(fd, buf, sizeof buf);
        close(fd);
        unlink(p);
    }
}

int main(int argc, char **argv) {
    if (argc < 3)
        return 2;
    const char *op = argv[1];
    long n = atol(argv[2]);
    struct stat st;
    long long t0 = now_ns();
    if (!strcmp(op, "stat")) {
        for (long i = 0; i < n; i++)
            stat("/usr/bin/env", &st);
    } else if (!strcmp(op, "open")) {
        for (long i = 0; i < n; i++) {
            int fd = open("/etc/passwd", O_RDONLY);
            read(fd, buf, sizeof buf);
            close(fd);
        }
    } else if (!strcmp(op, "readdir")) {
        for (long i = 0; i < n; i++) {
            DIR *d = opendir("/usr/bin");
            while (readdir(d))
                ;
            closedir(d);
        }
    } else if (!strcmp(op, "create")) {
        create_in("/var/tmp", n);
    } else if (!strcmp(op, "tmp")) {
        create_in("/tmp", n);
    } else if (!strcmp(op, "append")) {
        char p[256];
        snprintf(p, sizeof p, "/tmp/files-bench-append-%d", getpid());
        int fd = open(p, O_CREAT | O_WRONLY | O_APPEND, 0644);
        for (long i = 0; i < n; i++) {
            if (i % 256 == 0)
                ftruncate(fd, 0);
            write(fd, buf, sizeof buf);
        }
        close(fd);
        unlink(p);
    } else {
        return 2;
    }
    printf("ns_per_op %.1f\n", (double)(now_ns() - t0) / (double)n);
    return 0;
}
