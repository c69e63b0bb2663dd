/* Process groups and sessions: setpgid, getpgid, setsid, getsid, wait for
 * a process group. Ids are compared, never printed (they differ natively). */
#include <sys/wait.h>
#include "check.h"

int main(void) {
    pid_t me = getpid();
    SHOW(getpgid(0) == getpgrp());
    SHOW(getpgid(999999));
    SHOW(getsid(999999));
    SHOW(setpgid(0, -1));
    SHOW(setpgid(999999, 0));
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        char b;
        read(p[0], &b, 1);
        _exit(getpgrp() == getpid() ? 7 : 8);
    }
    SHOW(setpgid(c, 0));                  /* the child leads a new group */
    SHOW(getpgid(c) == c);
    SHOW(setpgid(c, getpgrp()) == 0 || errno == EPERM);
    SHOW(setpgid(c, c));
    SHOW(setpgid(c, 424242));             /* no such group in the session */
    write(p[1], "x", 1);
    int st;
    SHOW(waitpid(-c, &st, 0) == c);       /* wait for that group */
    printf("child status %d\n", WEXITSTATUS(st));
    c = fork();
    if (c == 0) {
        pid_t s = setsid();
        int ok = s == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
        _exit(ok && setsid() == -1 && errno == EPERM ? 0 : 1);
    }
    SHOW(waitpid(c, &st, 0) == c);
    printf("setsid child %d\n", WEXITSTATUS(st));
    SHOW(setsid() == me);                 /* not a group leader here */
    SHOW(setsid());                       /* now it is */
    SHOW(getsid(0) == me);
    SHOW(setpgid(0, 0));                  /* a session leader keeps its group */
    return 0;
}
