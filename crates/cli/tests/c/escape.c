/* Run only under Trapline: changes a host file and directory outside /tmp,
 * by plain paths, ".." past the root, /proc/self/root and symlinks. Every
 * change must work in the guest's view (the overlay root) and leave the
 * host untouched; the test checks the host afterwards. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "check.h"

static void show_file(const char *path) {
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    printf("%s: %s\n", path + strlen(path) - 10, n < 0 ? errname(errno) : buf);
    if (fd >= 0)
        close(fd);
}

int main(int argc, char **argv) {
    const char *victim = argv[1]; /* an existing host file */
    const char *dir = argv[2];    /* an existing host directory */
    char p[512], q[512];

    int fd = open(victim, O_WRONLY | O_APPEND);
    SHOW(write(fd, "+guest", 6));
    close(fd);
    show_file(victim);
    snprintf(p, sizeof p, "/../../..%s", victim);
    SHOW(truncate(p, 3));
    snprintf(p, sizeof p, "/proc/self/root%s", victim);
    SHOW(chmod(p, 0600));
    show_file(victim);

    snprintf(p, sizeof p, "%s/made-by-guest", dir);
    SHOW(fd = open(p, O_CREAT | O_WRONLY, 0644));
    SHOW(write(fd, "new file!!", 10));
    close(fd);
    show_file(p);
    snprintf(q, sizeof q, "%s/dir-by-guest", dir);
    SHOW(mkdir(q, 0755));
    SHOW(symlink(dir, "/tmp/link-to-host"));
    SHOW(mkdir("/tmp/link-to-host/via-link", 0755));
    snprintf(q, sizeof q, "%s/renamed-victim", dir);
    SHOW(rename(victim, q));
    SHOW(access(victim, F_OK));
    SHOW(rmdir(dir));
    SHOW(unlink(q));
    return 0;
}
