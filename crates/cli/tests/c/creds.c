/* Credentials inside the sandbox: the set*id families and their rules, in
 * a child so the test process keeps its own. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/wait.h>
#include "check.h"

static void show_ids(void) {
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    printf("uids %u %u %u gids %u %u %u\n", r, e, s, gr, ge, gs);
}

int main(void) {
    SHOW(setuid(-1));
    SHOW(setgroups(-1, NULL));
    SHOW(setgroups(100000, NULL));
    if (getuid() != 0) {
        /* A user cannot become anyone else. */
        SHOW(setuid(0));
        SHOW(setresuid(0, 0, 0));
        SHOW(setgroups(0, NULL));
        return 0;
    }
    pid_t c = fork();
    if (c == 0) {
        SHOW(setresgid(1000, 1000, 0));
        SHOW(setresuid(1000, 1000, 0));   /* saved uid 0 kept */
        show_ids();
        SHOW(setgroups(0, NULL));         /* no longer privileged */
        SHOW(setuid(0));                  /* euid back to the saved 0 */
        show_ids();
        SHOW(setreuid(-1, 65534));
        show_ids();
        SHOW(setfsuid(-1));
        SHOW(seteuid(0));
        SHOW(setuid(65534));              /* privileged: all three */
        show_ids();
        SHOW(setuid(0));
        SHOW(setresuid(-1, 0, -1));
        SHOW(setgid(0));
        SHOW(setfsuid(0));                /* the old value; refused */
        SHOW(setfsuid(-1));
        /* The file system now checks as uid 65534. */
        SHOW(open("/etc/shadow", O_RDONLY));
        SHOW(access("/root", W_OK));
        SHOW(open("/etc/hostname", O_RDONLY) >= 0);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child %d\n", WEXITSTATUS(st));
    show_ids();
    return 0;
}
