/* A reaped child's SIGCHLD is always pending by the time waitpid returns
 * it: Linux makes the zombie and queues the signal together. 200 children
 * that exit at once, with SIGCHLD blocked; each reaped one must have left
 * its signal pending. (Under Trapline the window this guards, a waiter
 * waking between the zombie and the signal, is narrow: a regression shows
 * only now and then.) */
#include <signal.h>
#include <sys/wait.h>
#include "check.h"

int main(void) {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int missing = 0, reaped = 0;
    for (int i = 0; i < 200; i++) {
        pid_t c = fork();
        if (c == 0)
            _exit(i & 0x7f);
        int st;
        if (waitpid(c, &st, 0) != c || WEXITSTATUS(st) != (i & 0x7f))
            continue;
        reaped++;
        sigset_t pending;
        sigpending(&pending);
        if (!sigismember(&pending, SIGCHLD))
            missing++;
        struct timespec zero = {0, 0};
        sigtimedwait(&chld, NULL, &zero);
    }
    printf("reaped %d, SIGCHLD not yet pending after waitpid: %d\n", reaped, missing);
    return 0;
}
