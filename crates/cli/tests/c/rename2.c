/* renameat2 flags: RENAME_NOREPLACE, RENAME_EXCHANGE (files and
 * directories, across directories) and RENAME_WHITEOUT, on tmpfs, with
 * their errors. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "check.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif

static char D[64];

static const char *at(const char *name) {
    static char bufs[4][128];
    static int i;
    char *b = bufs[i++ % 4];
    snprintf(b, 128, "%s/%s", D, name);
    return b;
}

static int ren(const char *a, const char *b, unsigned flags) {
    return syscall(SYS_renameat2, AT_FDCWD, at(a), AT_FDCWD, at(b), flags);
}

static void put(const char *name, const char *data) {
    int fd = open(at(name), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    write(fd, data, strlen(data));
    close(fd);
}

static void show(const char *name) {
    struct stat st;
    if (lstat(at(name), &st) < 0) {
        printf("%s: %s\n", name, errname(errno));
        return;
    }
    char buf[32] = {0};
    if (S_ISREG(st.st_mode)) {
        int fd = open(at(name), O_RDONLY);
        read(fd, buf, sizeof buf - 1);
        close(fd);
    }
    printf("%s: mode %o nlink %ld rdev %d:%d %s\n", name, st.st_mode, (long)st.st_nlink,
           major(st.st_rdev), minor(st.st_rdev), buf);
}

/* Whether `dir/..` is `parent`. */
static void dotdot(const char *dir, const char *parent) {
    char p[160];
    snprintf(p, sizeof p, "%s/..", at(dir));
    struct stat a, b;
    int ok = stat(p, &a) == 0 && stat(at(parent), &b) == 0;
    printf("%s/.. is %s: %d\n", dir, parent, ok && a.st_ino == b.st_ino);
}

static void listing(void) {
    DIR *d = opendir(D);
    struct dirent *e;
    int n = 0;
    char names[32][256];
    unsigned char types[32];
    while ((e = readdir(d)) && n < 32) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(names[n], 256, "%s", e->d_name);
        types[n++] = e->d_type;
    }
    closedir(d);
    /* Sorted, so the order of the listing does not matter. */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char t[256];
                memcpy(t, names[i], 256);
                memcpy(names[i], names[j], 256);
                memcpy(names[j], t, 256);
                unsigned char u = types[i];
                types[i] = types[j];
                types[j] = u;
            }
    printf("listing:");
    for (int i = 0; i < n; i++)
        printf(" %s(%d)", names[i], types[i]);
    printf("\n");
}

static void flag_errors(void) {
    SHOW(ren("a", "b", 8));
    SHOW(syscall(SYS_renameat2, AT_FDCWD, BAD_PTR, AT_FDCWD, BAD_PTR, 8));
    SHOW(ren("a", "b", RENAME_EXCHANGE | RENAME_NOREPLACE));
    SHOW(ren("a", "b", RENAME_EXCHANGE | RENAME_WHITEOUT));
    SHOW(syscall(SYS_renameat2, AT_FDCWD, BAD_PTR, AT_FDCWD, at("b"), RENAME_NOREPLACE));
}

static void noreplace(void) {
    put("a", "A");
    put("b", "B");
    SHOW(ren("a", "b", RENAME_NOREPLACE));
    SHOW(ren("a", "c", RENAME_NOREPLACE));
    show("a");
    show("c");
    SHOW(ren("c", ".", RENAME_NOREPLACE));
    SHOW(ren("c", ".", 0));
    SHOW(ren("nope", "d", RENAME_NOREPLACE));
    SHOW(ren("c", "a", 0));
}

static void exchange(void) {
    /* Two files: contents swap. */
    SHOW(ren("a", "b", RENAME_EXCHANGE));
    show("a");
    show("b");
    SHOW(ren("a", "nope", RENAME_EXCHANGE));
    SHOW(ren("nope", "a", RENAME_EXCHANGE));
    SHOW(ren("a", "a", RENAME_EXCHANGE));
    SHOW(ren("a/", "b", RENAME_EXCHANGE));
    SHOW(ren("a", "b/", RENAME_EXCHANGE));
    /* A file and a directory in different directories: the parents' link
     * counts follow the directory. */
    SHOW(mkdir(at("d1"), 0755));
    SHOW(mkdir(at("d2"), 0755));
    SHOW(mkdir(at("d1/sub"), 0755));
    put("d2/f", "F");
    put("d1/sub/inner", "I");
    show("d1");
    show("d2");
    SHOW(ren("d1/sub", "d2/f", RENAME_EXCHANGE));
    show("d1");
    show("d2");
    show("d1/sub");
    show("d2/f");
    show("d2/f/inner");
    dotdot("d2/f", "d2");
    SHOW(ren("d1/sub/", "d2/f/", RENAME_EXCHANGE));
    SHOW(ren("d1/sub", "d2/f/", RENAME_EXCHANGE));
    show("d1/sub");
    /* Two directories (neither empty is fine). */
    SHOW(ren("d1", "d2", RENAME_EXCHANGE));
    show("d1/f");
    show("d2/sub");
    dotdot("d2/sub", "d2");
    /* A directory and its own descendant: EINVAL both ways. */
    SHOW(ren("d1", "d1/f", RENAME_EXCHANGE));
    SHOW(ren("d1/f", "d1", RENAME_EXCHANGE));
    SHOW(ren("d1/f", "d1", 0));
    /* Across file systems. */
    char other[64];
    snprintf(other, sizeof other, "/tmp/rename2-%d", getpid());
    int fd = open(other, O_CREAT | O_WRONLY, 0600);
    close(fd);
    SHOW(syscall(SYS_renameat2, AT_FDCWD, at("a"), AT_FDCWD, other, RENAME_EXCHANGE));
    unlink(other);
    SHOW(ren(".", "a", RENAME_EXCHANGE));
    SHOW(ren("a", "..", RENAME_EXCHANGE));
}

static void whiteout(void) {
    SHOW(ren("a", "w1", RENAME_WHITEOUT));
    show("a");
    show("w1");
    SHOW(open(at("a"), O_RDONLY));
    int p = open(at("a"), O_PATH);
    SHOW(p >= 0);
    close(p);
    SHOW(ren("d2", "wd", RENAME_WHITEOUT));
    show("d2");
    show("wd");
    show(".");
    /* Over an existing name, and refused by NOREPLACE. */
    SHOW(ren("w1", "b", RENAME_WHITEOUT | RENAME_NOREPLACE));
    SHOW(ren("w1", "b", RENAME_WHITEOUT));
    show("w1");
    show("b");
    SHOW(ren("b", "wd", RENAME_WHITEOUT));
    SHOW(ren("nope", "x", RENAME_WHITEOUT));
    listing();
    /* Whiteouts are ordinary names: removed, renamed over. */
    SHOW(unlink(at("a")));
    SHOW(ren("d2", "a", 0));
    show("a");
    /* Unprivileged users may make whiteouts too. */
    SHOW(chmod(D, 0777));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(1);
        put("mine", "M");
        SHOW(ren("mine", "theirs", RENAME_WHITEOUT));
        struct stat st;
        lstat(at("mine"), &st);
        printf("whiteout owner %d mode %o\n", (int)st.st_uid, st.st_mode);
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child status %d\n", status);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(D, sizeof D, "/dev/shm/rename2-%d", getpid());
    SHOW(mkdir(D, 0755));
    flag_errors();
    noreplace();
    exchange();
    whiteout();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", D);
    fflush(stdout);
    return system(cmd);
}
