/* mknod and mkfifo in /tmp: regular files, FIFOs (rendezvous, data, fstat),
 * device nodes (root only; 1,3 behaves as /dev/null, an unknown device
 * gives ENXIO), sockets; the errors. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "check.h"

static char dir[] = "/tmp/mknod-XXXXXX";

static const char *at(const char *name) {
    static char p[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
    return p[i];
}

static void show_stat(const char *name) {
    struct stat st;
    if (lstat(at(name), &st) != 0) {
        printf("%s: %s\n", name, errname(errno));
        return;
    }
    printf("%s: mode %o size %ld rdev %u,%u nlink %ld\n", name, st.st_mode, (long)st.st_size,
           major(st.st_rdev), minor(st.st_rdev), (long)st.st_nlink);
}

int main(void) {
    if (!mkdtemp(dir))
        return 2;
    umask(022);
    SHOW(mknod(at("reg"), S_IFREG | 0666, 0));
    SHOW(mknod(at("zero-type"), 0640, 0));
    SHOW(mknod(at("reg"), S_IFREG | 0644, 0));
    SHOW(mknod(at("dir"), S_IFDIR | 0755, 0));
    SHOW(mknod(at("bad"), 0170000 | 0644, 0));
    SHOW(mknod(at("no/such"), S_IFIFO | 0644, 0));
    SHOW(mknod(BAD_PTR, S_IFIFO | 0644, 0));
    SHOW(mkfifo(at("fifo"), 0666));
    SHOW(mknod(at("sock"), S_IFSOCK | 0600, 0));
    show_stat("reg");
    show_stat("zero-type");
    show_stat("fifo");
    show_stat("sock");
    SHOW(open(at("sock"), O_RDONLY));

    /* FIFO: non-blocking ends, then a rendezvous with a child. */
    SHOW(open(at("fifo"), O_WRONLY | O_NONBLOCK));
    int r = open(at("fifo"), O_RDONLY | O_NONBLOCK);
    SHOW(r >= 0);
    int w = open(at("fifo"), O_WRONLY | O_NONBLOCK);
    SHOW(w >= 0);
    SHOW(write(w, "abc", 3));
    char buf[16] = {0};
    SHOW(read(r, buf, sizeof buf));
    printf("read: %s\n", buf);
    struct stat a, b;
    fstat(r, &a);
    stat(at("fifo"), &b);
    printf("fstat is the node: %d fifo %d\n", a.st_ino == b.st_ino, S_ISFIFO(a.st_mode));
    close(w);
    SHOW(read(r, buf, sizeof buf));
    close(r);
    int rw = open(at("fifo"), O_RDWR);
    SHOW(rw >= 0);
    close(rw);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int fd = open(at("fifo"), O_WRONLY); /* waits for the reader */
        write(fd, "from child", 10);
        _exit(0);
    }
    int fd = open(at("fifo"), O_RDONLY); /* waits for the writer */
    memset(buf, 0, sizeof buf);
    long n = 0, k;
    while ((k = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += k;
    printf("rendezvous read %ld: %s\n", n, buf);
    int st;
    waitpid(c, &st, 0);
    close(fd);

    if (geteuid() == 0) {
        SHOW(mknod(at("null"), S_IFCHR | 0666, makedev(1, 3)));
        SHOW(mknod(at("odd"), S_IFCHR | 0600, makedev(42, 7)));
        SHOW(mknod(at("blk"), S_IFBLK | 0600, makedev(7, 300)));
        show_stat("null");
        show_stat("blk");
        fd = open(at("null"), O_RDWR);
        SHOW(write(fd, "gone", 4));
        SHOW(read(fd, buf, sizeof buf));
        close(fd);
        SHOW(open(at("odd"), O_RDONLY));
        fflush(stdout);
        c = fork();
        if (c == 0) {
            setuid(65534);
            SHOW(mknod("/tmp/mknod-user-dev", S_IFCHR | 0600, makedev(1, 3)));
            SHOW(mknod(at("user-dev"), S_IFCHR | 0600, makedev(1, 3)));
            fflush(stdout);
            _exit(0);
        }
        waitpid(c, &st, 0);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0;
}
