/* Reading files: open, read, pread, lseek, fstat, readv, close. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "check.h"

int main(void) {
    const char *path = "/usr/include/stdio.h";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    SHOW(fd >= 0);
    struct stat st;
    SHOW(fstat(fd, &st));
    printf("size=%ld mode=%o nlink=%ld\n", (long)st.st_size, st.st_mode, (long)st.st_nlink);
    char buf[64];
    SHOW(read(fd, buf, 16));
    printf("first: %.16s\n", buf);
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(lseek(fd, -10, SEEK_END));
    SHOW(read(fd, buf, sizeof buf));
    SHOW(read(fd, buf, sizeof buf));
    SHOW(pread(fd, buf, 8, 100));
    printf("at 100: %.8s\n", buf);
    SHOW(lseek(fd, 0, SEEK_CUR));
    char a[5], b[7];
    struct iovec iov[2] = {{a, sizeof a}, {b, sizeof b}};
    SHOW(lseek(fd, 0, SEEK_SET));
    SHOW(readv(fd, iov, 2));
    printf("readv: %.5s|%.7s\n", a, b);
    SHOW(preadv(fd, iov, 2, 3));
    printf("preadv: %.5s|%.7s\n", a, b);
    SHOW(fcntl(fd, F_GETFD));
    SHOW(fcntl(fd, F_GETFL) & O_ACCMODE);
    int d = dup(fd);
    SHOW(d > fd);
    SHOW(lseek(d, 0, SEEK_CUR)); /* shared position */
    SHOW(fcntl(d, F_GETFD));
    SHOW(dup2(fd, 10));
    SHOW(dup3(fd, 11, O_CLOEXEC));
    SHOW(fcntl(11, F_GETFD));
    SHOW(fcntl(fd, F_DUPFD, 20));
    SHOW(fcntl(fd, F_DUPFD_CLOEXEC, 20));
    SHOW(close(10));
    SHOW(close(11));
    SHOW(close(d));
    SHOW(close(fd));
    /* A whole file through a big buffer matches its size. */
    fd = open(path, O_RDONLY);
    static char big[1 << 20];
    long total = 0, n;
    while ((n = read(fd, big, sizeof big)) > 0) total += n;
    printf("total read %ld == size %d\n", total, total == st.st_size);
    close(fd);
    return 0;
}
