#define _GNU_SOURCE
/* openat2: struct checks and the RESOLVE_* rules, in a tree made in /tmp:
 * T/a/b (file), T/a/up -> ../.. , T/a/abs -> /etc, T/a/in -> b,
 * T/a/sib -> ../a/b. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "check.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20

struct how {
    uint64_t flags, mode, resolve, extra;
};

static long o2(int dfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
    struct how h = {flags, mode, resolve, 0};
    long fd = syscall(SYS_openat2, dfd, path, &h, 24);
    if (fd >= 0)
        close(fd);
    return fd < 0 ? fd : 0;
}

int main(void) {
    char t[] = "/tmp/openat2-XXXXXX", p[256];
    if (!mkdtemp(t))
        return 2;
    snprintf(p, sizeof p, "%s/a", t); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/a/b", t); close(open(p, O_CREAT | O_WRONLY, 0644));
    snprintf(p, sizeof p, "%s/a/up", t); symlink("../..", p);
    snprintf(p, sizeof p, "%s/a/abs", t); symlink("/etc", p);
    snprintf(p, sizeof p, "%s/a/in", t); symlink("b", p);
    snprintf(p, sizeof p, "%s/a/sib", t); symlink("../a/b", p);
    int d = open(t, O_RDONLY | O_DIRECTORY);

    struct how h = {O_RDONLY, 0, 0, 0};
    SHOW(syscall(SYS_openat2, d, "a/b", &h, 16));
    SHOW(syscall(SYS_openat2, d, "a/b", &h, 4097));
    h.extra = 1;
    SHOW(syscall(SYS_openat2, d, "a/b", &h, 32));
    h.extra = 0;
    long fd = syscall(SYS_openat2, d, "a/b", &h, 32);
    SHOW(fd >= 0);
    close(fd);
    SHOW(syscall(SYS_openat2, d, "a/b", BAD_PTR, 24));
    SHOW(o2(d, "a/b", 1ULL << 40, 0, 0));
    SHOW(o2(d, "a/b", O_RDONLY, 0, 0x40));
    SHOW(o2(d, "a/b", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT));
    SHOW(o2(d, "a/b", O_RDONLY, 0644, 0));
    SHOW(o2(d, "a/new", O_CREAT | O_WRONLY, 010000, 0));
    SHOW(o2(d, "a/b", O_PATH | O_RDWR, 0, 0));
    SHOW(o2(d, "a/new", O_CREAT | O_WRONLY, 0644, RESOLVE_CACHED));
    SHOW(o2(d, "a/b", O_RDONLY, 0, RESOLVE_CACHED));

    SHOW(o2(d, "a/b", O_RDONLY, 0, RESOLVE_BENEATH));
    SHOW(o2(d, "a/../a/b", O_RDONLY, 0, RESOLVE_BENEATH));
    SHOW(o2(d, "../x", O_RDONLY, 0, RESOLVE_BENEATH));
    SHOW(o2(d, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH));
    SHOW(o2(d, "a/abs/passwd", O_RDONLY, 0, RESOLVE_BENEATH));
    SHOW(o2(d, "a/up/etc", O_RDONLY, 0, RESOLVE_BENEATH));
    SHOW(o2(d, "a/sib", O_RDONLY, 0, RESOLVE_BENEATH));
    SHOW(o2(d, "a/in", O_RDONLY, 0, RESOLVE_BENEATH));

    SHOW(o2(d, "/a/b", O_RDONLY, 0, RESOLVE_IN_ROOT));
    SHOW(o2(d, "../../../a/b", O_RDONLY, 0, RESOLVE_IN_ROOT));
    SHOW(o2(d, "a/up/a/b", O_RDONLY, 0, RESOLVE_IN_ROOT));
    SHOW(o2(d, "a/abs/passwd", O_RDONLY, 0, RESOLVE_IN_ROOT));

    SHOW(o2(d, "a/in", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
    SHOW(o2(d, "a/in", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS));
    SHOW(o2(d, "a/b", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
    snprintf(p, sizeof p, "/proc/self/fd/%d", d);
    SHOW(o2(AT_FDCWD, p, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS));
    SHOW(o2(AT_FDCWD, p, O_RDONLY, 0, 0));
    SHOW(o2(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS));
    SHOW(o2(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
    int root = open("/", O_RDONLY | O_DIRECTORY);
    SHOW(o2(root, "proc/self", O_RDONLY, 0, RESOLVE_NO_XDEV));
    SHOW(o2(d, "a/b", O_RDONLY, 0, RESOLVE_NO_XDEV));

    snprintf(p, sizeof p, "rm -rf %s", t);
    return system(p) != 0;
}
