/* File changes in a host directory (argv[1]) holding a prepared tree:
 * natively they change the host; under Trapline they land in the overlay.
 * Both must look the same from inside. Directory renames are left out:
 * the overlay refuses to move a host directory (EXDEV, as Linux's
 * overlayfs does without redirect_dir). */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "check.h"

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of a directory, with each entry's type and size. */
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
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("%s:", dir + strlen(dir) - 4);
    for (int i = 0; i < n; i++) {
        char p[512];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (lstat(p, &st) == 0)
            printf(" %s(%o,%ld)", names[i], st.st_mode, S_ISDIR(st.st_mode) ? 0L : (long)st.st_size);
        free(names[i]);
    }
    printf("\n");
}

static void cat(const char *path) {
    char buf[128] = {0};
    int fd = open(path, O_RDONLY);
    long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    printf("cat %s: %s\n", strrchr(path, '/') + 1, n < 0 ? errname(errno) : buf);
    if (fd >= 0)
        close(fd);
}

int main(int argc, char **argv) {
    char a[512], b[512];
    if (argc < 2 || chdir(argv[1]) != 0)
        return 2;
    /* The tree: f1 "one", f2 "two", d/ (g "gee", sub/ (h "aitch")), e/ empty,
     * ro (0444). */
    list(".");
    /* Lower files and directories are writable (copied up on change). */
    SHOW(access(".", W_OK));
    SHOW(access("d/sub", W_OK | X_OK));
    SHOW(access("f1", R_OK | W_OK));
    struct stat before, after;
    SHOW(stat("f1", &before));
    int fd = open("f1", O_WRONLY | O_APPEND);
    SHOW(write(fd, "+more", 5));
    SHOW(fstat(fd, &after));
    printf("same file after write: %d\n", before.st_ino == after.st_ino && before.st_dev == after.st_dev);
    close(fd);
    cat("./f1");
    SHOW(truncate("f2", 1));
    cat("./f2");
    SHOW(open("f2", O_WRONLY | O_TRUNC));
    cat("./f2");
    SHOW(chmod("ro", 0600));
    SHOW(unlink("d/g"));
    SHOW(unlink("d/g"));
    SHOW(open("d/g", O_RDONLY));
    SHOW(rmdir("d"));
    SHOW(rmdir("d/sub"));
    SHOW(unlink("d/sub/h"));
    SHOW(rmdir("d/sub"));
    SHOW(rmdir("d"));
    SHOW(stat("d", &after));
    SHOW(mkdir("d", 0700));
    list("./d");
    SHOW(rmdir("e"));
    SHOW(mkdir("e", 0755));
    SHOW(mkdir("f1", 0755));
    SHOW(symlink("f1", "f2"));
    SHOW(link("f1", "f1-hard"));
    SHOW(stat("f1", &after));
    printf("f1 nlink %ld\n", (long)after.st_nlink);
    SHOW(rename("f1", "moved"));
    SHOW(rename("moved", "f2"));
    cat("./f2");
    SHOW(access("f1", F_OK));
    fd = open("new", O_CREAT | O_EXCL | O_WRONLY, 0640);
    SHOW(write(fd, "fresh", 5));
    close(fd);
    SHOW(open("new", O_CREAT | O_EXCL | O_WRONLY, 0640));
    SHOW(rename("new", "d/new"));
    cat("./d/new");
    snprintf(a, sizeof a, "%s/d/new", argv[1]);
    snprintf(b, sizeof b, "%s/../%s/d/new", argv[1], strrchr(argv[1], '/') + 1);
    SHOW(rename(a, b));
    list(".");
    list("./d");
    return 0;
}
