/* Run only under Trapline, in a writable bind (argv[1]), with a host
 * directory "outside" next to it (argv[2] is "../outside", argv[3] its
 * absolute path). The directory "a/b" is swapped for a symlink to outside
 * while the guest holds it (as a dirfd and as its cwd) or is in the middle
 * of a call through it: a host resolution of "a/b" that followed "a" would
 * land in "outside/b". Under Trapline the guest's symlinks are followed in
 * the guest's tree, and a host call that meets one fails; nothing outside
 * the bind may change on the host, which the test checks afterwards. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "check.h"

static const char *outside_rel, *outside_abs;
static atomic_int stop;
static int top; /* the bind's directory */

/* Swaps the directory "a" for a symlink to outside (or back). */
static void swap(int to_link, const char *target) {
    if (to_link) {
        renameat(top, "a", top, "a.dir");
        symlinkat(target, top, "a");
    } else {
        unlinkat(top, "a", 0);
        renameat(top, "a.dir", top, "a");
    }
}

/* Changes through a directory the guest holds, after the swap. */
static void through(int dir) {
    SHOW(openat(dir, "file", O_CREAT | O_WRONLY | O_TRUNC, 0644));
    SHOW(openat(dir, "sentinel", O_WRONLY | O_TRUNC));
    SHOW(mkdirat(dir, "dir", 0755));
    SHOW(unlinkat(dir, "sentinel", 0));
    SHOW(renameat(dir, "moved", dir, "renamed"));
    SHOW(fchmodat(dir, "moved", 0600, 0));
    SHOW(fchownat(dir, "moved", 1, 1, 0));
    SHOW(utimensat(dir, "moved", NULL, 0));
    SHOW(symlinkat("x", dir, "sym"));
    SHOW(linkat(dir, "moved", dir, "hard", 0));
}

static void *swapper(void *arg) {
    (void)arg;
    for (int i = 0; !atomic_load(&stop); i++) {
        swap(1, i % 2 ? outside_rel : outside_abs);
        swap(0, NULL);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4 || chdir(argv[1]) != 0)
        return 2;
    outside_rel = argv[2];
    outside_abs = argv[3];
    top = open(".", O_RDONLY | O_DIRECTORY);
    if (mkdir("a", 0755) != 0 || mkdir("a/b", 0755) != 0)
        return 3;

    /* A dirfd, then the cwd, held across the swap. */
    int dir = open("a/b", O_RDONLY | O_DIRECTORY);
    swap(1, outside_rel);
    through(dir);
    swap(0, NULL);
    close(dir);
    SHOW(chdir("a/b"));
    swap(1, outside_abs);
    through(AT_FDCWD);
    SHOW(chdir(argv[1]));
    swap(0, NULL);

    /* The same while a thread swaps on and on. */
    pthread_t t;
    pthread_create(&t, NULL, swapper, NULL);
    int done = 0;
    for (int i = 0; i < 300; i++) {
        int fd = open("a/b/file", O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd >= 0) {
            done += write(fd, "escaped?", 8) == 8;
            close(fd);
        }
        done += mkdir("a/b/dir", 0755) == 0;
        done += rmdir("a/b/dir") == 0;
        done += chmod("a/b/file", 0666) == 0;
        done += truncate("a/b/file", 1) == 0;
        done += rename("a/b/file", "a/b/moved") == 0;
        done += symlink("x", "a/b/sym") == 0;
        done += unlink("a/b/sym") == 0;
        done += link("a/b/moved", "a/b/hard") == 0;
        done += unlink("a/b/hard") == 0;
        done += unlink("a/b/moved") == 0;
        done += unlink("a/b/sentinel") == 0;
    }
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    printf("changes made: %s\n", done > 0 ? "some" : "none");
    return 0;
}
