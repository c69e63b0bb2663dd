/* Extended attributes on tmpfs: user.*, trusted.* and security.* set,
 * read, listed and removed through the path, l* and f* calls, with
 * XATTR_CREATE/XATTR_REPLACE, the size rules (ERANGE, E2BIG) and the
 * namespace permissions (as root and as another user). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include "check.h"

static char D[64];
static char big[70000];
/* Behind a volatile, so the compiler does not see the bad pointer. */
static void *volatile bad_value = BAD_PTR;

static const char *at(const char *name) {
    static char bufs[4][128];
    static int i;
    char *b = bufs[i++ % 4];
    snprintf(b, 128, "%s/%s", D, name);
    return b;
}

static void list(const char *what, long n, const char *buf) {
    printf("%s %ld:", what, n);
    for (long i = 0; n > 0 && i < n; i += strlen(buf + i) + 1)
        printf(" %s", buf + i);
    printf("\n");
}

static void show_list(const char *path) {
    char buf[1024];
    long n = llistxattr(path, buf, sizeof buf);
    list("list", n, buf);
}

static void get(const char *path, const char *name) {
    char buf[64] = {0};
    long n = lgetxattr(path, name, buf, sizeof buf - 1);
    if (n < 0)
        printf("get %s: %s\n", name, errname(errno));
    else
        printf("get %s: %ld '%s'\n", name, n, buf);
}

static void basics(void) {
    const char *f = at("file");
    SHOW(setxattr(f, "user.b", "one", 3, 0));
    SHOW(setxattr(f, "user.a", "two", 3, XATTR_CREATE));
    SHOW(setxattr(f, "trusted.t", "three", 5, 0));
    SHOW(setxattr(f, "security.s", "four", 4, 0));
    SHOW(setxattr(f, "user.empty", "", 0, 0));
    SHOW(setxattr(f, "user.null", NULL, 0, 0));
    SHOW(setxattr(f, "user.Z", "z", 1, 0));
    get(f, "user.b");
    get(f, "user.a");
    get(f, "trusted.t");
    get(f, "security.s");
    get(f, "user.empty");
    get(f, "user.null");
    get(f, "user.missing");
    show_list(f);
    /* CREATE and REPLACE. */
    SHOW(setxattr(f, "user.a", "x", 1, XATTR_CREATE));
    SHOW(setxattr(f, "user.new", "x", 1, XATTR_REPLACE));
    SHOW(setxattr(f, "user.a", "replaced", 8, XATTR_REPLACE));
    SHOW(setxattr(f, "user.a", "x", 1, XATTR_CREATE | XATTR_REPLACE));
    SHOW(setxattr(f, "user.a", "x", 1, 4));
    get(f, "user.a");
    /* Sizes. */
    char small[4];
    SHOW(getxattr(f, "user.a", NULL, 0));
    SHOW(getxattr(f, "user.a", small, sizeof small));
    SHOW(listxattr(f, NULL, 0));
    SHOW(listxattr(f, small, sizeof small));
    SHOW(setxattr(f, "user.big", big, 65536, 0));
    SHOW(setxattr(f, "user.big", big, 65537, 0));
    SHOW(getxattr(f, "user.big", big, sizeof big));
    SHOW(getxattr(f, "user.big", big, 65535));
    SHOW(removexattr(f, "user.big"));
    /* Names. */
    char longname[300];
    memset(longname, 'n', sizeof longname);
    memcpy(longname, "user.", 5);
    longname[255] = 0;
    SHOW(setxattr(f, longname, "x", 1, 0));
    longname[255] = 'n';
    longname[256] = 0;
    SHOW(setxattr(f, longname, "x", 1, 0));
    SHOW(setxattr(f, "", "x", 1, 0));
    SHOW(setxattr(f, "user.", "x", 1, 0));
    SHOW(setxattr(f, "trusted.", "x", 1, 0));
    SHOW(setxattr(f, "foo.bar", "x", 1, 0));
    SHOW(setxattr(f, "nodot", "x", 1, 0));
    SHOW(setxattr(f, "system.other", "x", 1, 0));
    SHOW(setxattr(f, BAD_PTR, "x", 1, 0));
    SHOW(setxattr(f, "user.x", bad_value, 1, 0));
    SHOW(setxattr(BAD_PTR, "user.x", "x", 1, 0));
    SHOW(setxattr(at("missing"), "user.x", "x", 1, 0));
    SHOW(getxattr(f, "", NULL, 0));
    SHOW(getxattr(f, "user.", NULL, 0));
    /* Remove. */
    SHOW(removexattr(f, "user.b"));
    SHOW(removexattr(f, "user.b"));
    SHOW(removexattr(f, "trusted.t"));
    SHOW(removexattr(f, "foo.bar"));
    SHOW(removexattr(f, ""));
    show_list(f);
}

static void links_dirs_and_fds(void) {
    const char *f = at("file"), *l = at("link"), *d = at("dir");
    SHOW(symlink("file", l));
    SHOW(lsetxattr(l, "user.x", "1", 1, 0));      /* not on symlinks */
    SHOW(lsetxattr(l, "trusted.x", "on the link", 11, 0));
    SHOW(setxattr(l, "user.via", "link", 4, 0));  /* follows to the file */
    get(l, "trusted.x");
    get(f, "user.via");
    show_list(l);
    SHOW(lgetxattr(l, "user.via", NULL, 0));
    SHOW(lremovexattr(l, "trusted.x"));
    SHOW(mkdir(d, 0755));
    SHOW(setxattr(d, "user.d", "dir", 3, 0));
    show_list(d);
    int fd = open(f, O_RDONLY);
    SHOW(fsetxattr(fd, "user.f", "fd", 2, 0)); /* any open file */
    char buf[32] = {0};
    SHOW(fgetxattr(fd, "user.f", buf, sizeof buf));
    SHOW(flistxattr(fd, NULL, 0));
    SHOW(fremovexattr(fd, "user.f"));
    SHOW(fremovexattr(fd, "user.f"));
    close(fd);
    int p = open(f, O_PATH);
    SHOW(fgetxattr(p, "user.via", buf, sizeof buf));
    SHOW(fsetxattr(p, "user.x", "1", 1, 0));
    SHOW(flistxattr(p, NULL, 0));
    SHOW(fremovexattr(p, "user.via"));
    close(p);
    SHOW(fsetxattr(99, "user.x", "1", 1, 0));
    int m = memfd_create("xattrs", 0);
    SHOW(fsetxattr(m, "user.m", "memfd", 5, 0));
    SHOW(fgetxattr(m, "user.m", buf, sizeof buf));
    close(m);
}

static void as_another_user(void) {
    const char *f = at("file"), *mine = at("mine"), *sticky = at("sticky");
    SHOW(setxattr(f, "trusted.secret", "s", 1, 0));
    SHOW(chmod(D, 0777));
    SHOW(mkdir(sticky, 01777));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(1);
        get(f, "trusted.secret");                    /* hidden: ENODATA */
        get(f, "user.via");
        show_list(f);                                /* no trusted.* */
        SHOW(setxattr(f, "user.x", "1", 1, 0));      /* file 0644: EACCES */
        SHOW(setxattr(f, "trusted.x", "1", 1, 0));
        SHOW(setxattr(f, "security.x", "1", 1, 0));
        SHOW(removexattr(f, "user.via"));
        int fd = open(mine, O_CREAT | O_WRONLY, 0600);
        close(fd);
        SHOW(setxattr(mine, "user.own", "1", 1, 0));
        SHOW(setxattr(sticky, "user.s", "1", 1, 0)); /* sticky, not owner */
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child status %d\n", status);
    show_list(mine);
    SHOW(chmod(f, 0));
    get(f, "user.via");                               /* root reads anyway */
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(D, sizeof D, "/dev/shm/xattrs-%d", getpid());
    SHOW(mkdir(D, 0755));
    int fd = open(at("file"), O_CREAT | O_WRONLY, 0644);
    close(fd);
    basics();
    links_dirs_and_fds();
    as_another_user();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", D);
    fflush(stdout);
    return system(cmd);
}
