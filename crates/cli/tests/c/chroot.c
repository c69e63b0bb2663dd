/* chroot: errors, then a root in a tree made in /tmp (T/inside, T/d/f):
 * absolute paths, "..", and symlinks resolve inside it. Non-root: EPERM. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

int main(void) {
    char t[] = "/tmp/chroot-XXXXXX", p[256];
    if (!mkdtemp(t))
        return 2;
    snprintf(p, sizeof p, "%s/d", t); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/d/f", t); close(open(p, O_CREAT | O_WRONLY, 0644));
    snprintf(p, sizeof p, "%s/inside", t); close(open(p, O_CREAT | O_WRONLY, 0644));
    snprintf(p, sizeof p, "%s/d/escape", t); symlink("/../../../inside", p);
    SHOW(chroot("/nonexistent"));
    snprintf(p, sizeof p, "%s/inside", t);
    SHOW(chroot(p));
    SHOW(chroot(BAD_PTR));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        if (setuid(65534) != 0) {
            printf("setuid failed\n");
            _exit(0);
        }
        SHOW(chroot(t));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (geteuid() != 0) {
        printf("not root: the rest needs chroot\n");
        return 0;
    }
    SHOW(chroot(t));
    SHOW(chdir("/"));
    struct stat a, b;
    SHOW(stat("/", &a));
    SHOW(stat("/..", &b));
    printf("/.. is /: %d\n", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    SHOW(open("/inside", O_RDONLY) >= 0);
    SHOW(open("/../../inside", O_RDONLY) >= 0);
    SHOW(open("/d/escape", O_RDONLY) >= 0);
    SHOW(open("/d/f", O_RDONLY) >= 0);
    SHOW(access("/etc/passwd", F_OK));
    SHOW(chroot("d"));
    SHOW(access("/f", F_OK));
    return 0;
}
