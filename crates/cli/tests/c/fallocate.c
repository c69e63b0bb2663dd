/* fallocate on tmpfs (a /dev/shm file and a memfd: tmpfs natively too),
 * sparse files, lseek SEEK_DATA/SEEK_HOLE and st_blocks, and the errors;
 * SEEK_DATA/SEEK_HOLE on the sparse host file named by argv[1]. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "check.h"

/* musl's fcntl.h has only the first two. */
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif
#ifndef FALLOC_FL_INSERT_RANGE
#define FALLOC_FL_INSERT_RANGE 0x20
#endif
#ifndef FALLOC_FL_UNSHARE_RANGE
#define FALLOC_FL_UNSHARE_RANGE 0x40
#endif

static void show_size(int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0) {
        printf("fstat: %s\n", errname(errno));
        return;
    }
    printf("size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
}

static void errors(int fd) {
    SHOW(fallocate(-1, 0, 0, 1));
    SHOW(fallocate(99, 0, 0, 1));
    SHOW(fallocate(fd, 0, 0, 0));
    SHOW(fallocate(fd, 0, 0, -1));
    SHOW(fallocate(fd, 0, -1, 1));
    SHOW(fallocate(fd, 0x1000, 0, 1));
    SHOW(fallocate(fd, 0x1000, -1, 1)); /* offsets are checked first */
    SHOW(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 1));
    SHOW(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4096));
    SHOW(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE, 0, 1));
    /* Modes tmpfs does not have. */
    SHOW(fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096));
    SHOW(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096));
    SHOW(fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, 4096));
    SHOW(fallocate(fd, FALLOC_FL_UNSHARE_RANGE, 0, 4096));
    SHOW(fallocate(fd, 0, INT64_MAX - 10, 100));
    SHOW(fallocate(fd, 0, INT64_MAX, 1));
    int pp[2];
    pipe(pp);
    SHOW(fallocate(pp[1], 0, 0, 1));
    SHOW(fallocate(pp[0], 0, 0, 1));
    SHOW(lseek(pp[0], 0, SEEK_DATA));
    close(pp[0]);
    close(pp[1]);
    int null = open("/dev/null", O_WRONLY);
    SHOW(fallocate(null, 0, 0, 1));
    close(null);
    int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
    SHOW(fallocate(dir, 0, 0, 1));
    SHOW(lseek(dir, 0, SEEK_DATA));
    close(dir);
}

static void seeks(int fd) {
    SHOW(lseek(fd, 0, SEEK_DATA));
    SHOW(lseek(fd, 0, SEEK_HOLE));
    SHOW(lseek(fd, 4096, SEEK_DATA));
    SHOW(lseek(fd, 4096, SEEK_HOLE));
    SHOW(lseek(fd, 100000, SEEK_DATA));
    SHOW(lseek(fd, 100000, SEEK_HOLE));
    SHOW(lseek(fd, 1 << 20, SEEK_DATA));
    SHOW(lseek(fd, (1 << 20) + 10, SEEK_HOLE));
    SHOW(lseek(fd, -1, SEEK_DATA));
    SHOW(lseek(fd, -1, SEEK_HOLE));
    off_t end = lseek(fd, 0, SEEK_END);
    SHOW(lseek(fd, end, SEEK_DATA));
    SHOW(lseek(fd, end, SEEK_HOLE));
    SHOW(lseek(fd, end - 1, SEEK_HOLE));
    SHOW(lseek(fd, 0, SEEK_CUR));
}

static void sparse(int fd, const char *what) {
    printf("--- %s\n", what);
    show_size(fd);
    SHOW(lseek(fd, 0, SEEK_DATA)); /* empty: no data anywhere */
    SHOW(lseek(fd, 0, SEEK_HOLE));
    errors(fd);
    show_size(fd);
    /* Allocate: the size grows, blocks are counted. */
    SHOW(fallocate(fd, 0, 0, 8192));
    show_size(fd);
    SHOW(fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192));
    show_size(fd);
    SHOW(fallocate(fd, 0, 4096, 4096)); /* already there */
    show_size(fd);
    /* Data at the start and at 1 MiB: a hole between. */
    SHOW(pwrite(fd, "head", 4, 0));
    SHOW(pwrite(fd, "tail", 4, 1 << 20));
    show_size(fd);
    seeks(fd);
    /* Punch the first page out: it reads back as zeros. */
    SHOW(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
    show_size(fd);
    char buf[4] = {1, 1, 1, 1};
    SHOW(pread(fd, buf, 4, 0));
    printf("punched: %d %d %d %d\n", buf[0], buf[1], buf[2], buf[3]);
    seeks(fd);
    /* Punching past the end changes nothing. */
    SHOW(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1 << 21, 4096));
    show_size(fd);
    SHOW(ftruncate(fd, 4096));
    show_size(fd);
    seeks(fd);
    SHOW(ftruncate(fd, 0));
    show_size(fd);
}

static void sealed(void) {
    printf("--- sealed memfd\n");
    int fd = memfd_create("falloc", MFD_ALLOW_SEALING);
    SHOW(fallocate(fd, 0, 0, 100));
    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
    SHOW(fallocate(fd, 0, 0, 200));
    SHOW(fallocate(fd, 0, 0, 100));
    SHOW(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 8192));
    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    SHOW(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 10));
    show_size(fd);
    close(fd);
}

static void host_file(const char *path) {
    printf("--- host file\n");
    int fd = open(path, O_RDONLY);
    SHOW(fd >= 0);
    show_size(fd);
    seeks(fd);
    SHOW(fallocate(fd, 0, 0, 1));
    close(fd);
}

int main(int argc, char **argv) {
    char name[64];
    snprintf(name, sizeof name, "/dev/shm/fallocate-test-%d", getpid());
    int fd = open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        printf("create: %s\n", errname(errno));
        return 1;
    }
    sparse(fd, "/dev/shm file");
    /* A read-only open file may not allocate. */
    int ro = open(name, O_RDONLY);
    SHOW(fallocate(ro, 0, 0, 1));
    SHOW(fallocate(ro, 0, -1, 1));
    close(ro);
    int p = open(name, O_PATH);
    SHOW(fallocate(p, 0, 0, 1));
    SHOW(lseek(p, 0, SEEK_DATA));
    close(p);
    close(fd);
    unlink(name);
    fd = memfd_create("sparse", 0);
    sparse(fd, "memfd");
    close(fd);
    sealed();
    if (argc > 1)
        host_file(argv[1]);
    return 0;
}
