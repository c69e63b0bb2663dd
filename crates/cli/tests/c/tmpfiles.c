/* Writing in /tmp: create, write, read back, append, truncate, rename,
 * mkdir, rmdir, unlink, and the errors on the way. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "check.h"

int main(int argc, char **argv) {
    char dir[256], a[300], b[300];
    snprintf(dir, sizeof dir, "/tmp/trapline-%s", argc > 1 ? argv[1] : "t");
    snprintf(a, sizeof a, "%s/a.txt", dir);
    snprintf(b, sizeof b, "%s/b.txt", dir);
    SHOW(mkdir(dir, 0755));
    SHOW(mkdir(dir, 0755));
    int fd = open(a, O_CREAT | O_EXCL | O_RDWR, 0640);
    SHOW(fd >= 0);
    SHOW(open(a, O_CREAT | O_EXCL | O_RDWR, 0640));
    SHOW(write(fd, "hello world\n", 12));
    SHOW(lseek(fd, 0, SEEK_SET));
    char buf[64] = {0};
    SHOW(read(fd, buf, sizeof buf));
    printf("read back: %s", buf);
    SHOW(pwrite(fd, "HELLO", 5, 0));
    SHOW(pread(fd, buf, 12, 0));
    printf("after pwrite: %.12s", buf);
    struct stat st;
    SHOW(fstat(fd, &st));
    printf("size %ld mode %o\n", (long)st.st_size, st.st_mode & 07777);
    SHOW(close(fd));
    fd = open(a, O_WRONLY | O_APPEND);
    SHOW(write(fd, "more\n", 5));
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(close(fd));
    SHOW(rename(a, b));
    SHOW(access(a, F_OK));
    SHOW(stat(b, &st));
    printf("renamed size %ld\n", (long)st.st_size);
    fd = open(b, O_RDONLY);
    memset(buf, 0, sizeof buf);
    SHOW(read(fd, buf, sizeof buf));
    printf("content: %s", buf);
    SHOW(write(fd, "x", 1));
    close(fd);
    fd = open(b, O_WRONLY | O_TRUNC);
    SHOW(fstat(fd, &st));
    printf("truncated size %ld\n", (long)st.st_size);
    close(fd);
    SHOW(rmdir(dir));
    SHOW(unlink(dir));
    SHOW(unlink(b));
    SHOW(unlink(b));
    SHOW(rmdir(dir));
    SHOW(rmdir(dir));
    return 0;
}
