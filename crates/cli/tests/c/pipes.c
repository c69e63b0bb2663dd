/* Pipes within one process: pipe, pipe2, reads and writes, EOF, EPIPE,
 * O_NONBLOCK, capacity (F_GETPIPE_SZ, F_SETPIPE_SZ), FIONREAD, fstat,
 * lseek, packet mode (O_DIRECT), and the error paths. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include "check.h"

static char big[200000];

/* Writes `chunk`-byte pieces into a nonblocking pipe until it refuses. */
static long fill(int fd, size_t chunk) {
    long total = 0, n;
    while ((n = write(fd, big, chunk)) > 0)
        total += n;
    printf("filled with %zu-byte writes: %ld, then %ld %s\n", chunk, total, n,
           errname(errno));
    return total;
}

static int fionread(int fd) {
    int n = -1;
    if (ioctl(fd, FIONREAD, &n) < 0)
        return -1000 - errno;
    return n;
}

int main(void) {
    int p[2];
    char buf[256];
    struct stat st, st2;
    memset(big, 'x', sizeof big);

    printf("-- basics\n");
    SHOW(pipe(p));
    SHOW(p[0] >= 3 && p[1] == p[0] + 1);
    SHOW(write(p[1], "hello", 5));
    SHOW(write(p[1], ", pipe", 6));
    SHOW(fionread(p[0]));
    SHOW(fionread(p[1]));
    SHOW(read(p[0], buf, 3));
    SHOW(read(p[0], buf, sizeof buf));
    printf("got: %.8s\n", buf);
    SHOW(read(p[0], buf, 0)); /* empty, a writer: 0 at once, no wait */
    SHOW(write(p[1], buf, 0));
    SHOW(fcntl(p[0], F_GETFL));
    SHOW(fcntl(p[1], F_GETFL));
    SHOW(fcntl(p[0], F_GETFD));

    printf("-- what a pipe is\n");
    SHOW(fstat(p[0], &st));
    SHOW(fstat(p[1], &st2));
    printf("mode=%o nlink=%ld size=%ld blksize=%ld same ino=%d\n", st.st_mode,
           (long)st.st_nlink, (long)st.st_size, (long)st.st_blksize,
           st.st_ino == st2.st_ino);
    SHOW(S_ISFIFO(st.st_mode));
    struct statfs sfs;
    SHOW(fstatfs(p[0], &sfs));
    printf("f_type=%lx\n", (long)sfs.f_type);
    SHOW(lseek(p[0], 0, SEEK_CUR));
    SHOW(lseek(p[1], 0, SEEK_SET));
    SHOW(pread(p[0], buf, 1, 0));
    SHOW(pwrite(p[1], buf, 1, 0));
    SHOW(read(p[1], buf, 1));
    SHOW(write(p[0], buf, 1));
    SHOW(fsync(p[1]));
    int q[2];
    SHOW(pipe(q));
    SHOW(fstat(q[0], &st2));
    SHOW(st.st_ino != st2.st_ino);

    printf("-- EOF\n");
    SHOW(write(p[1], "tail", 4));
    int w2 = dup(p[1]);
    SHOW(close(p[1]));
    SHOW(fcntl(p[0], F_SETFL, O_NONBLOCK));
    SHOW(read(p[0], buf, sizeof buf));
    SHOW(read(p[0], buf, sizeof buf)); /* a dup of the writer is open */
    SHOW(close(w2));
    SHOW(read(p[0], buf, sizeof buf));
    SHOW(read(p[0], buf, sizeof buf));
    SHOW(fcntl(p[0], F_SETFL, 0));
    SHOW(read(p[0], buf, sizeof buf)); /* blocking, but at EOF */
    SHOW(close(p[0]));

    printf("-- no reader\n");
    signal(SIGPIPE, SIG_IGN);
    SHOW(close(q[0]));
    SHOW(write(q[1], "x", 1));
    SHOW(write(q[1], "x", 0));
    struct iovec iov = {buf, 4};
    SHOW(writev(q[1], &iov, 1));
    SHOW(close(q[1]));

    printf("-- nonblocking\n");
    SHOW(pipe2(p, O_NONBLOCK));
    SHOW(fcntl(p[0], F_GETFL));
    SHOW(fcntl(p[1], F_GETFL));
    SHOW(read(p[0], buf, sizeof buf));
    SHOW(fcntl(p[0], F_GETPIPE_SZ));
    SHOW(fill(p[1], 4096));
    SHOW(fionread(p[0]));
    SHOW(write(p[1], "x", 1));
    SHOW(read(p[0], buf, 1)); /* the first page still takes its slot */
    SHOW(write(p[1], "x", 1));
    SHOW(read(p[0], big, 4095));
    SHOW(write(p[1], "x", 1));
    SHOW(write(p[1], "yz", 2)); /* merged into the last page */
    SHOW(write(p[1], big, 4096));
    SHOW(fionread(p[0]));
    while (read(p[0], big, sizeof big) > 0) {
    }
    memset(big, 'x', sizeof big);
    SHOW(fionread(p[0]));
    SHOW(fill(p[1], 1000)); /* small writes share pages while they fit */
    while (read(p[0], big, sizeof big) > 0) {
    }
    memset(big, 'x', sizeof big);
    SHOW(write(p[1], big, 100000)); /* more than fits: partial */
    SHOW(write(p[1], big, 5000));
    SHOW(read(p[0], big, 10));
    SHOW(write(p[1], big, 5000));
    while (read(p[0], big, sizeof big) > 0) {
    }
    memset(big, 'x', sizeof big);

    printf("-- capacity\n");
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 0));
    SHOW(fcntl(p[0], F_GETPIPE_SZ));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 1));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 4097));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 100000));
    SHOW(fcntl(p[0], F_GETPIPE_SZ));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 1048576));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 1048577));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 2147483649UL));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, -1));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 1UL << 32)); /* an unsigned int: 0 */
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 16384));
    SHOW(fill(p[1], 4096));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 8192)); /* 4 pages in use */
    SHOW(read(p[0], big, 4096 + 10));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 8192)); /* still 3 */
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 12288));
    SHOW(fcntl(p[0], F_GETPIPE_SZ));
    SHOW(fcntl(p[1], F_SETPIPE_SZ, 65536));
    SHOW(fill(p[1], 4096));
    SHOW(fionread(p[0]));
    int nul = open("/dev/null", O_RDWR);
    SHOW(fcntl(nul, F_GETPIPE_SZ));
    SHOW(fcntl(nul, F_SETPIPE_SZ, 4096));
    SHOW(fcntl(-1, F_GETPIPE_SZ));
    SHOW(close(p[0]));
    SHOW(close(p[1]));

    printf("-- FIONREAD elsewhere\n");
    int f = open("/etc/passwd", O_RDONLY);
    SHOW(fstat(f, &st));
    SHOW(lseek(f, 10, SEEK_SET));
    SHOW(fionread(f) == st.st_size - 10);
    SHOW(lseek(f, st.st_size + 100, SEEK_SET) == st.st_size + 100);
    SHOW(fionread(f));
    SHOW(fionread(nul));
    int dir = open("/etc", O_RDONLY | O_DIRECTORY);
    SHOW(fionread(dir));
    int opath = open("/etc/passwd", O_PATH);
    SHOW(fionread(opath));
    SHOW(fionread(-1));
    SHOW(close(f));
    SHOW(close(dir));
    SHOW(close(opath));

    printf("-- packet mode\n");
    SHOW(pipe2(p, O_NONBLOCK | O_DIRECT));
    SHOW(fcntl(p[0], F_GETFL));
    SHOW(fcntl(p[1], F_GETFL));
    SHOW(write(p[1], "abc", 3));
    SHOW(write(p[1], "defg", 4));
    SHOW(write(p[1], big, 5000));
    SHOW(fionread(p[0]));
    SHOW(read(p[0], buf, sizeof buf));
    SHOW(read(p[0], buf, 2));
    printf("got: %.2s\n", buf);
    SHOW(read(p[0], big, sizeof big));
    SHOW(read(p[0], big, sizeof big));
    SHOW(read(p[0], big, sizeof big));
    SHOW(fcntl(p[1], F_SETFL, O_NONBLOCK)); /* packet mode off */
    SHOW(write(p[1], "ab", 2));
    SHOW(write(p[1], "cd", 2));
    SHOW(read(p[0], buf, sizeof buf));
    SHOW(close(p[0]));
    SHOW(close(p[1]));

    printf("-- pipe2 flags and errors\n");
    SHOW(pipe2(p, O_CLOEXEC));
    SHOW(fcntl(p[0], F_GETFD));
    SHOW(fcntl(p[1], F_GETFD));
    SHOW(close(p[0]));
    SHOW(close(p[1]));
    SHOW(pipe2(p, O_APPEND));
    SHOW(pipe2(p, O_NOATIME));
    SHOW(pipe2(p, O_RDWR));
    SHOW(pipe2(p, -1));
    int next = dup(0);
    SHOW(close(next));
    SHOW(syscall(SYS_pipe, BAD_PTR));
    SHOW(syscall(SYS_pipe2, BAD_PTR, O_CLOEXEC));
    SHOW(syscall(SYS_pipe2, NULL, 0));
    SHOW(syscall(SYS_pipe2, BAD_PTR, O_APPEND));
    int again = dup(0);
    SHOW(again == next); /* no fds were left behind */
    SHOW(close(again));

    printf("-- fd limit\n");
    struct rlimit rl;
    SHOW(getrlimit(RLIMIT_NOFILE, &rl));
    struct rlimit low = {next + 1, rl.rlim_max};
    SHOW(setrlimit(RLIMIT_NOFILE, &low));
    SHOW(pipe(p)); /* room for one fd only */
    SHOW(dup(0) == next); /* and it was not taken */
    low.rlim_cur = next;
    SHOW(setrlimit(RLIMIT_NOFILE, &low));
    SHOW(pipe(p));
    SHOW(setrlimit(RLIMIT_NOFILE, &rl));
    SHOW(pipe(p));
    return 0;
}
