/* /dev: the kernel's devices, the fd links, the controlling terminal and
 * pseudo-terminals, as a process without a terminal sees them. */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>

static const char *yes(int c) { return c ? "yes" : "NO"; }

static void links(void) {
    static const char *names[] = {"/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr"};
    for (unsigned i = 0; i < 4; i++) {
        char link[64] = "";
        readlink(names[i], link, sizeof link - 1);
        printf("%s -> %s\n", names[i], link);
    }
    DIR *d = opendir("/dev/fd");
    int fds = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') fds++;
    printf("/dev/fd lists 0, 1, 2 and itself: %s\n", yes(fds == 4));
    if (d) closedir(d);
    int p[2];
    pipe(p);
    write(p[1], "through /dev/fd", 15);
    close(p[1]);
    char path[32], data[32] = "";
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    int fd = open(path, O_RDONLY);
    long n = read(fd, data, sizeof data - 1);
    printf("pipe read through %s: %ld %s\n", "/dev/fd/N", n, n > 0 ? data : "");
    close(fd);
    close(p[0]);
    fd = open("/dev/stdin", O_RDONLY);
    SHOW(fd >= 0);
    char c;
    SHOW(read(fd, &c, 1));
    close(fd);
}

static void devices(void) {
    static const char *names[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                  "/dev/urandom", "/dev/tty", "/dev/ptmx"};
    for (unsigned i = 0; i < 7; i++) {
        struct stat st;
        stat(names[i], &st);
        printf("%-13s char %s, %u:%u, mode %o\n", names[i], yes(S_ISCHR(st.st_mode)),
               major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
    }
    struct stat by_name, opened;
    stat("/dev/null", &by_name);
    int fd = open("/dev/null", O_RDWR);
    fstat(fd, &opened);
    printf("fstat of /dev/null is its stat: %s\n",
           yes(by_name.st_ino == opened.st_ino && by_name.st_dev == opened.st_dev &&
               by_name.st_rdev == opened.st_rdev));
    SHOW(write(fd, "gone", 4));
    close(fd);
    fd = open("/dev/full", O_WRONLY);
    SHOW(write(fd, "x", 1));
    close(fd);
    unsigned char z[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    fd = open("/dev/zero", O_RDONLY);
    SHOW(read(fd, z, sizeof z));
    printf("zeros: %s\n", yes(!z[0] && !z[7]));
    close(fd);
    struct stat dev;
    stat("/dev", &dev);
    printf("/dev holds its devices: %s\n", yes(dev.st_dev == by_name.st_dev));
    struct statfs sf;
    statfs("/dev", &sf);
    printf("/dev is a tmpfs: %s\n", yes(sf.f_type == 0x01021994));
    struct stat pts;
    printf("/dev/pts and /dev/shm are directories: %s\n",
           yes(stat("/dev/pts", &pts) == 0 && S_ISDIR(pts.st_mode) && stat("/dev/shm", &dev) == 0 &&
               S_ISDIR(dev.st_mode) && (dev.st_mode & 01777) == 01777));
    SHOW(open("/dev/nope", O_RDONLY));
    SHOW(open("/dev/null/x", O_RDONLY));
}

static void terminals(void) {
    /* No controlling terminal here (the test runs without one), and none
       after setsid either. */
    SHOW(open("/dev/tty", O_RDWR));
    pid_t child = fork();
    if (child == 0) {
        setsid();
        int fd = open("/dev/tty", O_RDWR);
        _exit(fd < 0 && errno == ENXIO ? 7 : 1);
    }
    int status;
    waitpid(child, &status, 0);
    printf("after setsid /dev/tty is ENXIO: %s\n", yes(WEXITSTATUS(status) == 7));

    /* A pseudo-terminal, as openpty makes one. */
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    SHOW(m >= 0);
    SHOW(isatty(m));
    SHOW(grantpt(m));
    SHOW(unlockpt(m));
    const char *name = ptsname(m);
    printf("slave is under /dev/pts: %s\n", yes(name && !strncmp(name, "/dev/pts/", 9)));
    int s = open(name, O_RDWR | O_NOCTTY);
    SHOW(s >= 0);
    SHOW(isatty(s));
    struct winsize w = {.ws_row = 33, .ws_col = 77};
    SHOW(ioctl(m, TIOCSWINSZ, &w));
    struct winsize got = {0};
    SHOW(ioctl(s, TIOCGWINSZ, &got));
    printf("window size through the pty: %dx%d\n", got.ws_col, got.ws_row);
    SHOW(write(s, "out\n", 4));
    char buf[32] = "";
    long n = read(m, buf, sizeof buf - 1);
    printf("master reads %ld bytes: %s\n", n, yes(n == 5 && !memcmp(buf, "out\r\n", 5)));
    struct termios t;
    SHOW(tcgetattr(s, &t));
    cfmakeraw(&t);
    SHOW(tcsetattr(s, TCSANOW, &t));
    SHOW(tcgetattr(s, &t));
    printf("raw: ICANON off: %s, OPOST off: %s\n", yes(!(t.c_lflag & ICANON)), yes(!(t.c_oflag & OPOST)));
    SHOW(write(m, "in", 2));
    n = read(s, buf, sizeof buf - 1);
    printf("slave reads %ld bytes\n", n);
    SHOW(tcflush(s, TCIOFLUSH));
    close(s);
    close(m);
    SHOW(ioctl(0, TIOCSWINSZ, &w));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Natively the test runner may leak fds; a guest starts with 0-2. */
    for (int fd = 3; fd < 1024; fd++) close(fd);
    links();
    devices();
    terminals();
    return 0;
}
