/* O_TMPFILE: unnamed files in a tmpfs directory, named later with
 * linkat(AT_EMPTY_PATH) unless O_EXCL, and the errors. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

static char dir[64], locked[80], name[80], other[80];

static void show_stat(int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0) {
        printf("fstat: %s\n", errname(errno));
        return;
    }
    printf("mode %o nlink %ld size %ld\n", st.st_mode, (long)st.st_nlink, (long)st.st_size);
}

static void errors(void) {
    SHOW(open(dir, O_TMPFILE | O_RDONLY, 0600));
    SHOW(open(dir, O_TMPFILE | O_RDWR | O_CREAT, 0600));
    SHOW(open(dir, 020000000 | O_RDWR, 0600)); /* without O_DIRECTORY */
    SHOW(open(BAD_PTR, O_TMPFILE | O_RDWR, 0600));
    SHOW(open("/dev/shm/no-such-dir-here", O_TMPFILE | O_RDWR, 0600));
    SHOW(open("/dev/null", O_TMPFILE | O_RDWR, 0600));
    SHOW(open("/proc", O_TMPFILE | O_RDWR, 0600));
    /* O_PATH keeps only O_DIRECTORY of it: a plain O_PATH open. */
    int p = open(dir, O_TMPFILE | O_RDWR | O_PATH, 0600);
    SHOW(p >= 0);
    show_stat(p);
    close(p);
    char link[80];
    snprintf(link, sizeof link, "%s/link", dir);
    SHOW(symlink(dir, link));
    SHOW(open(link, O_TMPFILE | O_RDWR | O_NOFOLLOW, 0600));
    int via = open(link, O_TMPFILE | O_RDWR, 0600);
    SHOW(via >= 0);
    close(via);
    unlink(link);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    snprintf(dir, sizeof dir, "/dev/shm/tmpfile-test-%d", getpid());
    snprintf(locked, sizeof locked, "%s/locked", dir);
    snprintf(name, sizeof name, "%s/named", dir);
    snprintf(other, sizeof other, "/tmp/tmpfile-test-%d", getpid());
    SHOW(mkdir(dir, 0777));
    SHOW(chmod(dir, 0777));
    SHOW(mkdir(locked, 0755));
    errors();

    /* An unnamed file: written, read, then named. */
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
    SHOW(fd >= 0);
    show_stat(fd);
    printf("flags %o\n", fcntl(fd, F_GETFL));
    SHOW(write(fd, "unnamed", 7));
    SHOW(pwrite(fd, "U", 1, 0));
    char buf[16] = {0};
    SHOW(pread(fd, buf, sizeof buf, 0));
    printf("data: %s\n", buf);
    SHOW(access(name, F_OK));
    SHOW(linkat(fd, "", AT_FDCWD, name, 0));            /* no AT_EMPTY_PATH */
    SHOW(linkat(fd, "", AT_FDCWD, name, 0x8000));       /* unknown flag */
    SHOW(linkat(fd, "", AT_FDCWD, other, AT_EMPTY_PATH)); /* another fs */
    SHOW(linkat(fd, "", AT_FDCWD, dir, AT_EMPTY_PATH));   /* exists */
    SHOW(linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH));
    show_stat(fd);
    int again = open(name, O_RDONLY);
    memset(buf, 0, sizeof buf);
    SHOW(read(again, buf, sizeof buf));
    printf("by name: %s\n", buf);
    close(again);
    /* More names while it has one; none once it has none again. */
    char second[96];
    snprintf(second, sizeof second, "%s/second", dir);
    SHOW(linkat(fd, "", AT_FDCWD, second, AT_EMPTY_PATH));
    show_stat(fd);
    SHOW(unlink(name));
    SHOW(unlink(second));
    show_stat(fd);
    SHOW(linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH));
    close(fd);

    /* O_EXCL: never linkable. */
    fd = open(dir, O_TMPFILE | O_WRONLY | O_EXCL, 0600);
    SHOW(fd >= 0);
    show_stat(fd);
    SHOW(linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH));
    SHOW(read(fd, buf, 1));
    close(fd);

    /* Access mode 3 (read and write for open's permission check). */
    fd = open(dir, O_TMPFILE | 3, 0600);
    SHOW(fd >= 0);
    close(fd);

    /* A setgid directory gives its group; the umask applies. */
    SHOW(chown(locked, 0, 4242));
    SHOW(chmod(locked, 02777));
    umask(027);
    fd = open(locked, O_TMPFILE | O_RDWR, 0777);
    struct stat st;
    fstat(fd, &st);
    printf("mode %o gid %d\n", st.st_mode, (int)st.st_gid);
    close(fd);
    SHOW(chmod(locked, 0755));

    /* Without write permission on the directory: EACCES. */
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(1);
        SHOW(open(locked, O_TMPFILE | O_RDWR, 0600));
        int ok = open(dir, O_TMPFILE | O_RDWR, 0600);
        SHOW(ok >= 0);
        fstat(ok, &st);
        printf("owner %d %d\n", (int)st.st_uid, (int)st.st_gid);
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child status %d\n", status);

    /* In a directory that is gone. */
    char gone[96];
    snprintf(gone, sizeof gone, "%s/gone", dir);
    SHOW(mkdir(gone, 0755));
    int d = open(gone, O_RDONLY | O_DIRECTORY);
    SHOW(rmdir(gone));
    fd = openat(d, ".", O_TMPFILE | O_RDWR, 0600);
    SHOW(fd >= 0);
    SHOW(linkat(fd, "", d, "x", AT_EMPTY_PATH));
    close(fd);
    close(d);

    SHOW(rmdir(locked));
    SHOW(rmdir(dir));
    return 0;
}
