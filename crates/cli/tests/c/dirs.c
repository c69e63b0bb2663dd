/* Directories and paths: getdents64, getcwd, chdir, fchdir, stat vs lstat,
 * readlink, access, and *at calls relative to a directory fd. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "check.h"

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
    DIR *d = opendir("/usr/include/linux");
    char *names[4096];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("%d entries, first %s %s %s, last %s\n", n, names[0], names[1], names[2], names[n - 1]);
    /* Small getdents64 buffers: every entry exactly once. */
    int fd = open("/usr/include/linux", O_RDONLY | O_DIRECTORY);
    char buf[128];
    long r, count = 0;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < r;) {
            unsigned short reclen = *(unsigned short *)(buf + off + 16);
            count++;
            off += reclen;
        }
    }
    printf("small-buffer count %ld == %d\n", count, n);
    /* Seeking back to the start lists again. */
    lseek(fd, 0, SEEK_SET);
    SHOW(syscall(SYS_getdents64, fd, buf, sizeof buf) > 0);
    char cwd[4096];
    SHOW(chdir("/usr/include") == 0);
    printf("cwd %s\n", getcwd(cwd, sizeof cwd));
    SHOW(access("stdio.h", R_OK));
    SHOW(chdir("..") == 0);
    printf("cwd %s\n", getcwd(cwd, sizeof cwd));
    SHOW(fchdir(fd));
    printf("cwd %s\n", getcwd(cwd, sizeof cwd));
    SHOW(chdir("/../../usr/./lib/..//include"));
    printf("cwd %s\n", getcwd(cwd, sizeof cwd));
    struct stat st, lst;
    SHOW(stat("/bin", &st));
    SHOW(lstat("/bin", &lst));
    printf("stat dir %d lstat link %d\n", S_ISDIR(st.st_mode), S_ISLNK(lst.st_mode));
    char target[256];
    long len = readlink("/bin", target, sizeof target);
    printf("readlink /bin: %.*s\n", (int)len, target);
    SHOW(readlink("/bin", target, 3));
    int inc = open("/usr/include", O_RDONLY | O_DIRECTORY);
    SHOW(fstatat(inc, "stdio.h", &st, 0));
    printf("size via dirfd %ld\n", (long)st.st_size);
    SHOW(faccessat(inc, "stdio.h", R_OK, 0));
    SHOW(faccessat(inc, "nope.h", R_OK, 0));
    SHOW(fstatat(fd, "", &st, AT_EMPTY_PATH));
    printf("empty path is the dir: %d\n", S_ISDIR(st.st_mode));
    int f = openat(inc, "stdio.h", O_RDONLY);
    SHOW(f >= 0);
    SHOW(syscall(SYS_getdents64, f, buf, sizeof buf));
    SHOW(open("/usr/include/", O_RDONLY | O_DIRECTORY) >= 0);
    SHOW(open("/usr/include/stdio.h/", O_RDONLY));
    SHOW(stat("/usr/include/stdio.h/", &st));
    return 0;
}
