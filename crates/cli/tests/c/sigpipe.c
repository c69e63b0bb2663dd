/* A write to a pipe with no reader, SIGPIPE at its default action: the
 * process dies of SIGPIPE (status 141), after what it flushed. */
#include <signal.h>
#include "check.h"

int main(void) {
    int p[2];
    SHOW(pipe(p));
    SHOW(close(p[0]));
    signal(SIGPIPE, SIG_IGN);
    SHOW(write(p[1], "x", 1));
    signal(SIGPIPE, SIG_DFL);
    SHOW(write(p[1], "", 0)); /* nothing to write: no signal */
    printf("writing for real\n");
    fflush(stdout);
    write(p[1], "x", 1);
    printf("still alive\n");
    return 0;
}
