/* Attributes and links in /tmp (chmod, chown, utimes, truncate, symlink,
 * link, fsync), file-system statistics and extended attributes, with their
 * errors. Natively /tmp is the host's (possibly not a tmpfs), under Trapline
 * its own tmpfs: only what both must answer alike is printed. Nothing is
 * written outside the program's own directory in /tmp, which is removed. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <utime.h>
#include "check.h"

static char dir[128];
static char buf[512];

static const char *at(const char *name) {
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static void show_stat(const char *name) {
    struct stat st;
    if (lstat(at(name), &st) != 0) {
        printf("%s: lstat failed: %s\n", name, errname(errno));
        return;
    }
    printf("%s: type %o mode %04o nlink %ld uid %d gid %d size %ld\n", name,
           st.st_mode & S_IFMT, st.st_mode & 07777, (long)st.st_nlink,
           (int)st.st_uid, (int)st.st_gid, (long)st.st_size);
}

static void show_times(const char *name) {
    struct stat st;
    if (stat(at(name), &st) != 0) {
        printf("%s: stat failed: %s\n", name, errname(errno));
        return;
    }
    printf("%s: atime %ld.%09ld mtime %ld.%09ld\n", name, (long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void attributes(void) {
    char f[256], sub[256];
    snprintf(f, sizeof f, "%s/f", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    int fd = open(f, O_CREAT | O_EXCL | O_RDWR, 0644);
    SHOW(fd >= 0);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    SHOW(dfd >= 0);
    SHOW(mkdir(sub, 0755));

    SHOW(chmod(f, 0600));
    show_stat("f");
    SHOW(fchmod(fd, 04751));
    show_stat("f");
    SHOW(fchmodat(AT_FDCWD, f, 0604, 0));
    SHOW(fchmodat(dfd, "f", 0644, 0));
    show_stat("f");
    SHOW(chmod("/tmp/trapline-no-such-dir/x", 0644));
    SHOW(chmod(BAD_PTR, 0644));
    SHOW(chmod("", 0644));
    SHOW(fchmod(-1, 0644));
    SHOW(fchmodat(-1, "f", 0644, 0));
    SHOW(fchmodat(fd, "f", 0644, 0));

    SHOW(chown(f, 1234, 4321));
    show_stat("f");
    SHOW(fchown(fd, -1, 77));
    show_stat("f");
    SHOW(lchown(f, 0, -1));
    SHOW(fchownat(dfd, "f", -1, 0, 0));
    show_stat("f");
    SHOW(fchownat(dfd, "f", 0, 0, 0x4000));
    SHOW(fchownat(fd, "", 55, 66, AT_EMPTY_PATH));
    show_stat("f");
    SHOW(fchownat(fd, "", 0, 0, AT_EMPTY_PATH));
    SHOW(fchownat(fd, "", 0, 0, 0));
    SHOW(chown("/tmp/trapline-no-such-dir/x", 0, 0));
    SHOW(fchown(-1, 0, 0));

    struct timespec ts[2] = {{1000, 500}, {2000, 600}};
    SHOW(utimensat(AT_FDCWD, f, ts, 0));
    show_times("f");
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_sec = 2500;
    SHOW(utimensat(dfd, "f", ts, AT_SYMLINK_NOFOLLOW));
    show_times("f");
    ts[0].tv_nsec = 1000000000;
    SHOW(utimensat(dfd, "f", ts, 0));
    SHOW(utimensat(dfd, "none", ts, 0));
    ts[0].tv_nsec = -5;
    SHOW(utimensat(dfd, "f", ts, 0));
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_nsec = UTIME_OMIT;
    SHOW(utimensat(dfd, "none", ts, 0x4000));
    ts[0].tv_nsec = 0;
    SHOW(utimensat(dfd, "f", ts, 0x4000));
    SHOW(syscall(SYS_utimensat, dfd, "f", BAD_PTR, 0));
    ts[0].tv_sec = 3000;
    ts[1].tv_nsec = 1;
    SHOW(syscall(SYS_utimensat, fd, NULL, ts, 0));
    show_times("f");
    SHOW(syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW));
    SHOW(syscall(SYS_utimensat, AT_FDCWD, NULL, ts, 0));
    SHOW(syscall(SYS_utimensat, -1, NULL, ts, 0));
    SHOW(utimensat(fd, "", ts, AT_EMPTY_PATH));
    SHOW(utimensat(fd, "", ts, 0));
    SHOW(futimens(fd, NULL));

    struct timeval tv[2] = {{4000, 7}, {5000, 999999}};
    SHOW(syscall(SYS_utimes, f, tv));
    show_times("f");
    tv[1].tv_usec = 1000000;
    SHOW(syscall(SYS_utimes, f, tv));
    tv[1].tv_usec = 0;
    SHOW(syscall(SYS_futimesat, dfd, "f", tv));
    show_times("f");
    SHOW(syscall(SYS_futimesat, fd, NULL, tv));
    SHOW(syscall(SYS_utimes, "/tmp/trapline-no-such-dir/x", tv));
    struct utimbuf ub = {6000, 7000};
    SHOW(syscall(SYS_utime, f, &ub));
    show_times("f");
    SHOW(syscall(SYS_utime, f, BAD_PTR));
    SHOW(syscall(SYS_utime, f, NULL));

    SHOW(truncate(f, 10));
    show_stat("f");
    SHOW(ftruncate(fd, 3));
    show_stat("f");
    SHOW(truncate(f, -1));
    SHOW(ftruncate(fd, -1));
    SHOW(truncate(sub, 0));
    SHOW(truncate("/tmp/trapline-no-such-dir/x", 0));
    SHOW(ftruncate(dfd, 0));
    SHOW(ftruncate(-1, 0));
    int ro = open(f, O_RDONLY);
    SHOW(ftruncate(ro, 0));
    close(ro);

    SHOW(fsync(fd));
    SHOW(fdatasync(fd));
    SHOW(fsync(dfd));
    SHOW(fsync(-1));
    SHOW(fdatasync(12345));
    int null = open("/dev/null", O_WRONLY);
    SHOW(fsync(null));
    close(null);
    int path = open(dir, O_PATH);
    SHOW(fsync(path));
    SHOW(syscall(SYS_fchmod, path, 0755));
    SHOW(syscall(SYS_fchown, path, 0, 0));
    SHOW(fchownat(path, "", 0, 0, AT_EMPTY_PATH));
    close(path);

    close(fd);
    close(dfd);
}

static void links(void) {
    char f[256], l[256], h[256], sub[256];
    snprintf(f, sizeof f, "%s/f", dir);
    snprintf(l, sizeof l, "%s/l", dir);
    snprintf(h, sizeof h, "%s/h", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);

    SHOW(symlink("f", l));
    show_stat("l");
    char target[64] = {0};
    SHOW(readlink(l, target, sizeof target));
    printf("target: %s\n", target);
    SHOW(symlink("f", l));
    SHOW(symlink("", at("empty")));
    SHOW(symlink(BAD_PTR, at("bad")));
    SHOW(symlink("f", BAD_PTR));
    SHOW(symlinkat("dangling", dfd, "l2"));
    show_stat("l2");
    SHOW(symlinkat("x", -1, "l3"));
    SHOW(symlink("x", "/tmp/trapline-no-such-dir/x"));
    SHOW(lchown(l, 12, 34));
    show_stat("l");
    show_stat("f");

    SHOW(link(f, h));
    show_stat("f");
    SHOW(link(f, h));
    SHOW(link(sub, at("sub2")));
    SHOW(link(at("none"), at("h2")));
    SHOW(link(f, "/tmp/trapline-no-such-dir/x"));
    SHOW(linkat(dfd, "l", dfd, "hl", 0));
    show_stat("hl");
    SHOW(linkat(dfd, "l", dfd, "hf", AT_SYMLINK_FOLLOW));
    show_stat("hf");
    SHOW(linkat(dfd, "l", dfd, "bad", 0x1));
    SHOW(linkat(dfd, "l2", dfd, "hd", AT_SYMLINK_FOLLOW));
    int fd = open(f, O_RDONLY);
    SHOW(linkat(fd, "", dfd, "he", AT_EMPTY_PATH));
    SHOW(linkat(fd, "", dfd, "hx", 0));
    show_stat("f");
    close(fd);
    close(dfd);
}

static void fs_stats(void) {
    struct statfs a, b;
    SHOW(statfs("/usr", &a));
    printf("/usr: type %lx bsize %ld namelen %ld frsize %ld blocks %lu files %lu "
           "fsid %x:%x flags-but-rdonly %lx\n",
           (long)a.f_type, (long)a.f_bsize, (long)a.f_namelen, (long)a.f_frsize,
           (unsigned long)a.f_blocks, (unsigned long)a.f_files,
           (unsigned)a.f_fsid.__val[0], (unsigned)a.f_fsid.__val[1],
           (long)a.f_flags & ~1L);
    int path = open("/usr", O_PATH);
    SHOW(fstatfs(path, &b));
    printf("same type %d blocks %d\n", a.f_type == b.f_type, a.f_blocks == b.f_blocks);
    close(path);
    int fd = open(dir, O_RDONLY);
    SHOW(fstatfs(fd, &b));
    printf("dir: bsize %ld namelen %ld\n", (long)b.f_bsize, (long)b.f_namelen);
    close(fd);
    SHOW(statfs("/tmp", &b));
    printf("/tmp: bsize %ld namelen %ld\n", (long)b.f_bsize, (long)b.f_namelen);
    SHOW(statfs("/tmp/trapline-no-such-dir/x", &a));
    SHOW(statfs("/etc/passwd/x", &a));
    SHOW(syscall(SYS_statfs, "/usr", BAD_PTR));
    SHOW(statfs(BAD_PTR, &a));
    SHOW(statfs("", &a));
    SHOW(fstatfs(-1, &a));
    SHOW(fstatfs(12345, &a));
}

static void xattrs(void) {
    char name[300], value[64];
    char f[256], l[256];
    snprintf(f, sizeof f, "%s/f", dir);
    snprintf(l, sizeof l, "%s/l", dir);
    SHOW(getxattr("/usr", "user.trapline-none", value, sizeof value));
    SHOW(lgetxattr("/usr", "system.posix_acl_access", value, sizeof value));
    SHOW(lgetxattr("/usr", "system.posix_acl_default", value, 0));
    SHOW(getxattr("/usr", "security.selinux", value, sizeof value));
    SHOW(getxattr("/usr", "foo.bar", value, sizeof value));
    SHOW(getxattr("/usr", "user.", value, sizeof value));
    SHOW(getxattr("/usr", "", value, sizeof value));
    memset(name, 'a', sizeof name);
    memcpy(name, "user.", 5);
    name[255] = 0;
    SHOW(getxattr("/usr", name, value, sizeof value));
    name[255] = 'a';
    name[256] = 0;
    SHOW(getxattr("/usr", name, value, sizeof value));
    SHOW(getxattr("/usr", BAD_PTR, value, sizeof value));
    SHOW(getxattr(BAD_PTR, "user.x", value, sizeof value));
    SHOW(getxattr("/tmp/trapline-no-such-dir/x", "user.x", value, sizeof value));
    SHOW(getxattr("/tmp/trapline-no-such-dir/x", BAD_PTR, value, sizeof value));
    SHOW(listxattr("/usr", NULL, 0));
    SHOW(llistxattr("/usr", value, sizeof value));
    SHOW(listxattr("/tmp/trapline-no-such-dir/x", NULL, 0));
    int fd = open("/usr", O_RDONLY);
    SHOW(fgetxattr(fd, "user.trapline-none", value, sizeof value));
    SHOW(flistxattr(fd, NULL, 0));
    SHOW(fgetxattr(fd, "", value, sizeof value));
    close(fd);
    int path = open("/usr", O_PATH);
    SHOW(fgetxattr(path, "user.x", value, sizeof value));
    SHOW(flistxattr(path, NULL, 0));
    SHOW(fsetxattr(path, "user.x", "v", 1, 0));
    SHOW(fremovexattr(path, "user.x"));
    close(path);
    SHOW(fgetxattr(-1, "user.x", value, sizeof value));
    SHOW(flistxattr(12345, NULL, 0));

    /* In /tmp: what a file with no attributes answers on any Linux file
     * system with xattrs (user.* differs: tmpfs supports it since 6.6). */
    SHOW(getxattr(f, "security.none", value, sizeof value));
    SHOW(getxattr(f, "trusted.none", value, sizeof value));
    SHOW(getxattr(f, "system.posix_acl_access", value, sizeof value));
    SHOW(getxattr(f, "foo.bar", value, sizeof value));
    SHOW(getxattr(f, "trusted.", value, sizeof value));
    SHOW(lgetxattr(l, "user.x", value, sizeof value));
    SHOW(listxattr(f, NULL, 0));
    SHOW(listxattr(dir, value, sizeof value));
    SHOW(setxattr(f, "trusted.none", "v", 1, XATTR_REPLACE));
    SHOW(setxattr(f, "user.x", "v", 1, 4));
    SHOW(setxattr(f, "", "v", 1, 0));
    SHOW(syscall(SYS_setxattr, f, "user.x", "v", 70000, 0));
    SHOW(syscall(SYS_setxattr, f, "user.x", BAD_PTR, 1, 0));
    SHOW(setxattr(f, BAD_PTR, "v", 1, 0));
    SHOW(lsetxattr(l, "user.x", "v", 1, 0));
    SHOW(setxattr("/tmp/trapline-no-such-dir/x", "user.x", "v", 1, 0));
    SHOW(removexattr(f, "trusted.none"));
    SHOW(removexattr(f, "security.none"));
    SHOW(lremovexattr(l, "trusted.none"));
    SHOW(removexattr(f, ""));
    SHOW(removexattr(f, BAD_PTR));
    SHOW(removexattr("/tmp/trapline-no-such-dir/x", BAD_PTR));
    fd = open(f, O_RDWR);
    SHOW(fgetxattr(fd, "security.none", value, sizeof value));
    SHOW(flistxattr(fd, value, sizeof value));
    SHOW(fsetxattr(fd, "trusted.none", "v", 1, XATTR_REPLACE));
    SHOW(fremovexattr(fd, "trusted.none"));
    SHOW(fremovexattr(fd, ""));
    close(fd);
}

static void cleanup(void) {
    const char *names[] = {"f", "l", "l2", "h", "hl", "hf", "he", "hx", "hd", "sub2", "empty", NULL};
    for (int i = 0; names[i]; i++)
        unlink(at(names[i]));
    rmdir(at("sub"));
    SHOW(rmdir(dir));
}

int main(void) {
    /* The name is never printed: natively it must not collide with other
     * runs, under Trapline /tmp is private anyway. */
    snprintf(dir, sizeof dir, "/tmp/trapline-attrs-%d", (int)getpid());
    umask(022);
    if (mkdir(dir, 0755) != 0) {
        printf("mkdir failed: %s\n", errname(errno));
        return 1;
    }
    attributes();
    links();
    fs_stats();
    xattrs();
    cleanup();
    return 0;
}
