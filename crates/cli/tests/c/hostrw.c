/* Name and attribute changes in a host directory (argv[1]) holding a
 * prepared tree: natively they change the host; under Trapline with
 * --bind DIR:DIR they must change the host the same way (the test then
 * compares the two trees). Beyond overlay.c: directory renames,
 * renameat2's flags, symlinks, owners, times, xattrs, appends and the
 * error paths. The tree: f "file", d/ (x "ex"), e/ empty, ro (0444). */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include "check.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static long rename2(const char *a, const char *b, unsigned flags) {
    return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of a directory, with type, mode, links and size. */
static void list(const char *dir) {
    char *names[64];
    int n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir %s: %s\n", dir, errname(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("%s:", dir);
    for (int i = 0; i < n; i++) {
        char p[512];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (lstat(p, &st) == 0)
            printf(" %s(%o,%ld,%ld)", names[i], st.st_mode, (long)st.st_nlink,
                   S_ISDIR(st.st_mode) ? 0L : (long)st.st_size);
        free(names[i]);
    }
    printf("\n");
}

static void cat(const char *path) {
    char buf[128] = {0};
    int fd = open(path, O_RDONLY);
    long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    printf("cat %s: %s\n", path, n < 0 ? errname(errno) : buf);
    if (fd >= 0)
        close(fd);
}

static void links(const char *path) {
    char buf[128] = {0};
    long n = readlink(path, buf, sizeof buf - 1);
    printf("readlink %s: %s\n", path, n < 0 ? errname(errno) : buf);
}

int main(int argc, char **argv) {
    struct stat st;
    if (argc < 2 || chdir(argv[1]) != 0)
        return 2;
    umask(022);
    list(".");

    /* Directories move, with what is in them. */
    SHOW(rename("d", "d2"));
    cat("d2/x");
    SHOW(rename("d2", "d2/inside"));
    SHOW(rename("e", "d2"));
    SHOW(rename("d2", "e"));
    SHOW(rename("e", "f"));
    SHOW(rename("f", "e"));
    SHOW(mkdir("e/sub", 0755));
    SHOW(rename("d", "e"));
    SHOW(rmdir("e"));
    SHOW(rmdir("e/sub"));
    SHOW(rmdir("."));
    SHOW(rmdir("f"));
    SHOW(unlink("e"));
    SHOW(unlink("f/"));
    SHOW(mkdir("made/", 0750));
    SHOW(mkdir("made", 0750));
    list(".");

    /* renameat2's flags. */
    int fd = open("g", O_CREAT | O_EXCL | O_WRONLY, 0666);
    SHOW(write(fd, "gee", 3));
    close(fd);
    SHOW(rename2("f", "g", RENAME_NOREPLACE));
    SHOW(rename2("f", "g", RENAME_EXCHANGE));
    cat("f");
    cat("g");
    SHOW(rename2("f", "nothing", RENAME_EXCHANGE));
    SHOW(rename2("f", "made", RENAME_EXCHANGE));
    SHOW(stat("made", &st));
    printf("made is a dir: %d\n", S_ISDIR(st.st_mode));
    SHOW(rename2("made", "f", RENAME_EXCHANGE));
    SHOW(rename2("f", "g", RENAME_NOREPLACE | RENAME_EXCHANGE));
    SHOW(rename2("f", "g", 0x40));
    SHOW(rename2(BAD_PTR, "g", 0x40));
    SHOW(rename2("f", "new", RENAME_NOREPLACE));

    /* Symlinks and hard links. */
    SHOW(symlink("new", "sl"));
    SHOW(symlink("/nowhere", "dangling"));
    SHOW(symlink("x", "sl"));
    SHOW(symlink("", "empty"));
    links("sl");
    links("dangling");
    cat("sl");
    SHOW(open("sl", O_RDONLY | O_NOFOLLOW));
    SHOW(link("new", "hard"));
    SHOW(link("new", "hard"));
    SHOW(link("e", "dirlink"));
    SHOW(link("nothing", "x"));
    SHOW(stat("new", &st));
    printf("new nlink %ld\n", (long)st.st_nlink);
    SHOW(unlink("hard"));
    SHOW(lstat("sl", &st));
    printf("sl is a link: %d\n", S_ISLNK(st.st_mode));

    /* Files: create modes, appends, truncation, positions. */
    fd = open("w", O_CREAT | O_RDWR, 0666);
    SHOW(write(fd, "hello world", 11));
    SHOW(pwrite(fd, "W", 1, 6));
    SHOW(lseek(fd, 0, SEEK_END));
    SHOW(ftruncate(fd, 5));
    SHOW(fstat(fd, &st));
    printf("w size %ld mode %o\n", (long)st.st_size, st.st_mode);
    close(fd);
    fd = open("w", O_WRONLY | O_APPEND);
    SHOW(write(fd, "+1", 2));
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(pwrite(fd, "+2", 2, 0));
    SHOW(ftruncate(fd, -1));
    close(fd);
    cat("w");
    fd = open("w", O_RDONLY);
    SHOW(write(fd, "x", 1));
    SHOW(ftruncate(fd, 1));
    close(fd);
    SHOW(truncate("w", 3));
    cat("w");
    SHOW(truncate("e", 3));
    SHOW(open("w", O_WRONLY | O_TRUNC));
    SHOW(stat("w", &st));
    printf("w size %ld\n", (long)st.st_size);
    fd = open("ro-new", O_CREAT | O_EXCL | O_RDWR, 0444);
    SHOW(write(fd, "still writable", 14));
    close(fd);
    cat("ro-new");
    SHOW(open("ro-new", O_CREAT | O_EXCL | O_RDWR, 0444));
    SHOW(open("e", O_WRONLY));
    SHOW(open("missing/x", O_CREAT | O_WRONLY, 0644));
    SHOW(open("new/x", O_CREAT | O_WRONLY, 0644));
    SHOW(open(BAD_PTR, O_CREAT | O_WRONLY, 0644));
    /* O_CREAT through a dangling symlink makes its target, as Linux does;
     * here the target is inside the tree. */
    SHOW(symlink("target", "to-target"));
    fd = open("to-target", O_CREAT | O_WRONLY, 0600);
    SHOW(write(fd, "via link", 8));
    close(fd);
    cat("target");

    /* Attributes. */
    SHOW(chmod("ro", 0640));
    SHOW(chmod("sl", 0600));
    SHOW(fchmodat(AT_FDCWD, "sl", 0600, AT_SYMLINK_NOFOLLOW));
    SHOW(chown("w", 1234, 5678));
    SHOW(lchown("sl", 4321, -1));
    SHOW(lstat("sl", &st));
    printf("sl owner %u\n", (unsigned)st.st_uid);
    SHOW(stat("w", &st));
    printf("w owner %u:%u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
    SHOW(chown("w", 0, 0));
    struct timespec times[2] = {{1000000000, 5}, {1200000000, 7}};
    SHOW(utimensat(AT_FDCWD, "w", times, 0));
    SHOW(utimensat(AT_FDCWD, "sl", times, AT_SYMLINK_NOFOLLOW));
    SHOW(stat("w", &st));
    printf("w times %ld.%ld %ld.%ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    SHOW(lstat("sl", &st));
    printf("sl mtime %ld\n", (long)st.st_mtim.tv_sec);
    SHOW(utimensat(AT_FDCWD, "nothing", times, 0));
    fd = open("w", O_RDONLY);
    SHOW(fchmod(fd, 0604));
    SHOW(fchown(fd, 7, 8));
    SHOW(futimens(fd, times));
    close(fd);
    SHOW(stat("w", &st));
    printf("w now %o %u:%u\n", st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid);
    SHOW(fchmod(99, 0600));
    /* An open file keeps being the one changed, renamed or deleted. */
    fd = open("held", O_CREAT | O_WRONLY, 0600);
    SHOW(rename("held", "held2"));
    SHOW(fchmod(fd, 0640));
    SHOW(futimens(fd, times));
    SHOW(stat("held2", &st));
    printf("held2 %o %ld\n", st.st_mode, (long)st.st_mtim.tv_sec);
    SHOW(unlink("held2"));
    SHOW(fchmod(fd, 0600));
    SHOW(fstat(fd, &st));
    printf("deleted %o nlink %ld\n", st.st_mode, (long)st.st_nlink);
    close(fd);

    /* Extended attributes of the host file system. */
    SHOW(setxattr("w", "user.colour", "blue", 4, 0));
    SHOW(setxattr("w", "user.colour", "red", 3, XATTR_CREATE));
    SHOW(setxattr("w", "user.other", "x", 1, XATTR_REPLACE));
    char val[32] = {0};
    SHOW(getxattr("w", "user.colour", val, sizeof val));
    printf("user.colour = %s\n", val);
    SHOW(lsetxattr("sl", "user.colour", "x", 1, 0));
    SHOW(removexattr("w", "user.colour"));
    SHOW(removexattr("w", "user.colour"));
    SHOW(getxattr("w", "user.colour", val, sizeof val));

    /* Nothing reports the tree read-only. */
    struct statvfs vfs;
    SHOW(statvfs(".", &vfs));
    printf("read-only: %d\n", (int)(vfs.f_flag & ST_RDONLY));
    SHOW(access("w", W_OK));
    SHOW(rename("w", "/dev/shm/hostrw-elsewhere"));
    list(".");
    list("e");

    /* Another user (when run as root): the host checks what Linux checks
     * for that user, and new files are that user's. */
    SHOW(mkdir("shared", 0777));
    SHOW(chmod("shared", 0777));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(1000) != 0 || setuid(1000) != 0)
            _exit(3);
        SHOW(open("g", O_WRONLY));
        SHOW(unlink("g"));
        SHOW(chmod("g", 0666));
        SHOW(chown("g", 1000, 1000));
        SHOW(mkdir("mine", 0755));
        SHOW(mkdir("shared/mine", 0755));
        fd = open("shared/file", O_CREAT | O_WRONLY, 0644);
        SHOW(fd);
        SHOW(fchown(fd, 0, 0));
        SHOW(chmod("shared/file", 04755));
        SHOW(rename("shared/file", "shared/moved"));
        SHOW(symlink("moved", "shared/link"));
        SHOW(link("shared/moved", "shared/hard"));
        SHOW(link("g", "shared/g-hard"));
        SHOW(utimensat(AT_FDCWD, "g", NULL, 0));
        SHOW(setxattr("shared/moved", "user.mine", "1", 1, 0));
        fflush(stdout);
        _exit(0);
    }
    int status;
    printf("waited: %d\n", waitpid(pid, &status, 0) == pid);
    printf("child status %d\n", status);
    list("shared");
    return 0;
}
