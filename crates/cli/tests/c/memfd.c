/* memfd_create and file seals: flags and names, the seals each write,
 * truncate and mapping must respect, and how /proc shows a memfd. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

#ifndef MFD_EXEC
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

static void show_link(int fd) {
    char path[64], target[512] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    long n = readlink(path, target, sizeof target - 1);
    printf("fd link: %ld %s\n", n, n >= 0 ? target : errname(errno));
}

static void show_stat(int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0) {
        printf("fstat: %s\n", errname(errno));
        return;
    }
    printf("mode %o nlink %ld size %ld blksize %ld\n", st.st_mode, (long)st.st_nlink,
           (long)st.st_size, (long)st.st_blksize);
}

static void names_and_flags(void) {
    char name[300];
    memset(name, 'n', sizeof name);
    name[249] = 0; /* the longest name: NAME_MAX minus "memfd:" */
    int fd = memfd_create(name, 0);
    SHOW(fd >= 0);
    show_link(fd);
    close(fd);
    name[249] = 'n';
    name[250] = 0;
    SHOW(memfd_create(name, 0));
    SHOW(memfd_create(BAD_PTR, 0));
    SHOW(memfd_create("x", 0x1000));
    SHOW(memfd_create("x", MFD_NOEXEC_SEAL | MFD_EXEC));
    SHOW(memfd_create("x", 21 << 26)); /* a huge page size without MFD_HUGETLB */
    fd = memfd_create("", 0);
    show_link(fd);
    show_stat(fd);
    SHOW(fcntl(fd, F_GETFD));
    SHOW(fcntl(fd, F_GETFL) & O_ACCMODE);
    close(fd);
    fd = memfd_create("cloexec", MFD_CLOEXEC);
    SHOW(fcntl(fd, F_GETFD));
    close(fd);
}

static void hugetlb(void) {
    int fd = memfd_create("huge", MFD_HUGETLB);
    SHOW(fd >= 0);
    show_stat(fd);
    SHOW(write(fd, "abc", 3));
    SHOW(ftruncate(fd, 4096));
    SHOW(ftruncate(fd, 2 << 20));
    show_stat(fd);
    SHOW(fcntl(fd, F_GET_SEALS));
    show_link(fd);
    close(fd);
    fd = memfd_create("huge1g", MFD_HUGETLB | (30 << 26));
    SHOW(fd >= 0);
    show_stat(fd);
    close(fd);
}

static void data(void) {
    int fd = memfd_create("data", 0);
    SHOW(write(fd, "hello memfd", 11));
    SHOW(lseek(fd, 0, SEEK_SET));
    char buf[32] = {0};
    SHOW(read(fd, buf, sizeof buf));
    printf("read: %s\n", buf);
    show_stat(fd);
    SHOW(ftruncate(fd, 8192));
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    SHOW(p != MAP_FAILED);
    pid_t child = fork();
    if (child == 0) {
        memcpy(p + 4096, "from the child", 15);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    SHOW(pread(fd, buf, 15, 4096));
    printf("shared: %s\n", buf);
    munmap(p, 8192);
    /* No sealing without MFD_ALLOW_SEALING: F_SEAL_SEAL is set. */
    SHOW(fcntl(fd, F_GET_SEALS));
    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    close(fd);
}

static void seals(void) {
    int fd = memfd_create("sealed", MFD_ALLOW_SEALING);
    SHOW(fcntl(fd, F_GET_SEALS));
    SHOW(fcntl(fd, F_ADD_SEALS, 0x1000));
    SHOW(fcntl(fd, F_ADD_SEALS, -1));
    SHOW(write(fd, "0123456789", 10));

    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
    SHOW(fcntl(fd, F_GET_SEALS));
    SHOW(ftruncate(fd, 5));
    SHOW(ftruncate(fd, 10));
    SHOW(ftruncate(fd, 20));
    show_stat(fd);

    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
    SHOW(ftruncate(fd, 30));
    SHOW(pwrite(fd, "ab", 2, 19));
    SHOW(pwrite(fd, "ab", 2, 18));

    /* A shared writable mapping keeps F_SEAL_WRITE out. */
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    SHOW(p != MAP_FAILED);
    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    munmap(p, 4096);
    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    SHOW(fcntl(fd, F_GET_SEALS));
    SHOW(write(fd, "x", 1));
    SHOW(pwrite(fd, "x", 1, 0));
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    SHOW(p == MAP_FAILED);
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    SHOW(p != MAP_FAILED);
    printf("mapped: %.10s\n", p);
    munmap(p, 4096);
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    SHOW(p != MAP_FAILED);
    p[0] = 'P';
    char c = 0;
    SHOW(pread(fd, &c, 1, 0));
    printf("file keeps: %c\n", c);
    munmap(p, 4096);

    /* Seals need a writable open file; F_SEAL_SEAL ends sealing. */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    SHOW(fcntl(fd, F_ADD_SEALS, 0));
    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
    SHOW(fcntl(fd, F_GET_SEALS));
    show_link(fd);
    close(fd);
}

static void future_write(void) {
    int fd = memfd_create("future", MFD_ALLOW_SEALING);
    SHOW(ftruncate(fd, 4096));
    char *old = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    SHOW(old != MAP_FAILED);
    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
    SHOW(fcntl(fd, F_GET_SEALS));
    SHOW(write(fd, "x", 1));
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    SHOW(p == MAP_FAILED);
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    SHOW(p != MAP_FAILED);
    SHOW(mprotect(p, 4096, PROT_READ | PROT_WRITE));
    /* The mapping made before the seal still writes. */
    old[0] = 'o';
    printf("through the old mapping: %c\n", p[0]);
    SHOW(ftruncate(fd, 100));
    close(fd);
}

static void exec_seal(void) {
    int fd = memfd_create("noexec", MFD_NOEXEC_SEAL);
    show_stat(fd);
    SHOW(fcntl(fd, F_GET_SEALS));
    SHOW(fchmod(fd, 0777));
    SHOW(fchmod(fd, 0644));
    close(fd);
    fd = memfd_create("exec", MFD_EXEC | MFD_ALLOW_SEALING);
    show_stat(fd);
    SHOW(fcntl(fd, F_GET_SEALS));
    SHOW(fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC));
    SHOW(fcntl(fd, F_GET_SEALS));
    SHOW(fchmod(fd, 0666));
    SHOW(fchmod(fd, 0775));
    SHOW(write(fd, "x", 1));
    close(fd);
}

static void other_files(void) {
    /* Seals are a shmem feature: tmpfs files say F_SEAL_SEAL, others
     * EINVAL. */
    int t = open("/dev/shm", O_TMPFILE | O_RDWR, 0600);
    if (t < 0) {
        char name[64];
        snprintf(name, sizeof name, "/dev/shm/memfd-test-%d", getpid());
        t = open(name, O_CREAT | O_RDWR | O_EXCL, 0600);
        unlink(name);
    }
    SHOW(fcntl(t, F_GET_SEALS));
    SHOW(fcntl(t, F_ADD_SEALS, F_SEAL_SHRINK));
    close(t);
    int pp[2];
    SHOW(pipe(pp));
    SHOW(fcntl(pp[1], F_GET_SEALS));
    SHOW(fcntl(pp[1], F_ADD_SEALS, F_SEAL_SHRINK));
    int d = open("/", O_RDONLY);
    SHOW(fcntl(d, F_GET_SEALS));
    SHOW(fcntl(99, F_GET_SEALS));
    SHOW(fcntl(-1, F_ADD_SEALS, F_SEAL_SHRINK));
}

int main(void) {
    names_and_flags();
    hugetlb();
    data();
    seals();
    future_write();
    exec_seal();
    other_files();
    return 0;
}
