/* Error paths: bad fds, bad pointers, bad flags, missing files. Raw
 * syscalls where libc would check arguments itself. */
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <termios.h>
#include "check.h"

int main(void) {
    char buf[64];
    int fd = open("/usr/include/stdio.h", O_RDONLY);
    /* bad fds */
    SHOW(read(-1, buf, 1));
    SHOW(read(999, buf, 1));
    SHOW(write(999, "x", 1));
    SHOW(close(-1));
    SHOW(close(999));
    SHOW(syscall(SYS_fstat, 999, buf));
    SHOW(lseek(999, 0, SEEK_SET));
    SHOW(dup(999));
    SHOW(dup2(999, 5));
    SHOW(dup2(fd, -1));
    SHOW(dup3(fd, fd, 0));
    SHOW(dup3(fd, 12, 0x1234));
    SHOW(fcntl(999, F_GETFD));
    SHOW(fcntl(fd, 9999));
    SHOW(syscall(SYS_getdents64, 999, buf, sizeof buf));
    SHOW(syscall(SYS_openat, 999, "relative", O_RDONLY));
    SHOW(syscall(SYS_openat, fd, "relative", O_RDONLY));
    SHOW(syscall(SYS_fchdir, 999));
    /* bad pointers */
    SHOW(read(fd, BAD_PTR, 10));
    SHOW(write(1, BAD_PTR, 5));
    SHOW(syscall(SYS_open, BAD_PTR, O_RDONLY));
    SHOW(syscall(SYS_fstat, fd, BAD_PTR));
    SHOW(syscall(SYS_newfstatat, AT_FDCWD, "/", BAD_PTR, 0));
    SHOW(syscall(SYS_uname, BAD_PTR));
    SHOW(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD_PTR));
    SHOW(syscall(SYS_getcwd, BAD_PTR, 100));
    SHOW(syscall(SYS_readv, fd, BAD_PTR, 1));
    SHOW(syscall(SYS_rt_sigaction, SIGUSR1, BAD_PTR, NULL, 8));
    SHOW(syscall(SYS_getrandom, BAD_PTR, 8, 0));
    SHOW(syscall(SYS_nanosleep, BAD_PTR, NULL));
    SHOW(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BAD_PTR));
    SHOW(syscall(SYS_execve, BAD_PTR, NULL, NULL));
    /* missing files and wrong types */
    SHOW(open("/nonexistent/file", O_RDONLY));
    SHOW(open("/usr/include/stdio.h/x", O_RDONLY));
    SHOW(open("/usr/include", O_WRONLY));
    SHOW(open("/usr/include/stdio.h", O_RDONLY | O_DIRECTORY));
    SHOW(open("", O_RDONLY));
    SHOW(chdir("/nonexistent"));
    SHOW(chdir("/usr/include/stdio.h"));
    SHOW(access("/nonexistent", F_OK));
    SHOW(access("/usr/include/stdio.h", 0x100));
    SHOW(syscall(SYS_faccessat2, AT_FDCWD, "/", F_OK, 0x1));
    SHOW(readlink("/usr/include/stdio.h", buf, sizeof buf));
    SHOW(readlink("/bin", buf, 0));
    SHOW(syscall(SYS_getdents64, fd, buf, sizeof buf));
    int dir = open("/usr/include", O_RDONLY | O_DIRECTORY);
    SHOW(syscall(SYS_getdents64, dir, buf, 10));
    /* Directories are not read with read or pread: host, tmpfs and /proc. */
    SHOW(read(dir, buf, 1));
    SHOW(pread(dir, buf, 1, 0));
    int tmpdir = open("/tmp", O_RDONLY | O_DIRECTORY);
    SHOW(read(tmpdir, buf, 1));
    SHOW(pread(tmpdir, buf, 1, 0));
    int procdir = open("/proc/self", O_RDONLY | O_DIRECTORY);
    SHOW(read(procdir, buf, 1));
    SHOW(pread(procdir, buf, 1, 0));
    SHOW(syscall(SYS_statx, AT_FDCWD, "/", 0x80000000, 0, buf));
    SHOW(syscall(SYS_newfstatat, AT_FDCWD, "/", buf, 0x12345));
    SHOW(syscall(SYS_newfstatat, AT_FDCWD, "", buf, 0));
    /* bad flags and values */
    SHOW(lseek(fd, 0, 99));
    SHOW(lseek(fd, -1, SEEK_SET));
    SHOW(ioctl(fd, TCGETS, buf));
    SHOW(ioctl(fd, TIOCGWINSZ, buf));
    SHOW(syscall(SYS_getcwd, buf, 1));
    SHOW(syscall(SYS_close_range, 5, 2, 0));
    SHOW(syscall(SYS_close_range, 3, 2, 0x80));
    SHOW(syscall(SYS_readv, fd, buf, -1));
    SHOW(syscall(SYS_readv, fd, buf, 1025));
    SHOW(syscall(SYS_pread64, fd, buf, 1, -5));
    SHOW((long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    SHOW((long)mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0));
    SHOW((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0));
    SHOW((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 1));
    SHOW((long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    SHOW((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, dir, 0));
    SHOW(munmap((void *)0x1001, 4096));
    SHOW(munmap(NULL, 0));
    SHOW(mprotect((void *)0x1001, 4096, PROT_READ));
    SHOW(madvise(NULL, 4096, 12345));
    SHOW(syscall(SYS_clock_gettime, 999, buf));
    SHOW(syscall(SYS_clock_gettime, -2, buf));
    struct timespec neg = {-1, 0}, badns = {0, 1000000000};
    SHOW(syscall(SYS_nanosleep, &neg, NULL));
    SHOW(syscall(SYS_nanosleep, &badns, NULL));
    struct sigaction sa = {0};
    SHOW(syscall(SYS_rt_sigaction, SIGKILL, &sa, NULL, 8));
    SHOW(syscall(SYS_rt_sigaction, 65, NULL, NULL, 8));
    SHOW(syscall(SYS_rt_sigaction, SIGINT, NULL, NULL, 4));
    SHOW(syscall(SYS_rt_sigprocmask, 99, buf, NULL, 8));
    SHOW(syscall(SYS_prlimit64, 0, 99, NULL, buf));
    SHOW(syscall(SYS_prlimit64, 99999, RLIMIT_NOFILE, NULL, buf));
    SHOW(syscall(SYS_getrandom, buf, 8, 0x100));
    SHOW(syscall(SYS_arch_prctl, 0x9999, 0));
    SHOW(syscall(SYS_set_robust_list, NULL, 5));
    SHOW(syscall(SYS_sched_getaffinity, 0, 1, buf));
    SHOW(syscall(SYS_sched_getaffinity, 99999, sizeof buf, buf));
    struct rlimit rl = {10, 5};
    SHOW(setrlimit(RLIMIT_NOFILE, &rl));
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_max += 1;
    SHOW(setrlimit(RLIMIT_NOFILE, &rl) == 0 || errno == EPERM);
    return 0;
}
