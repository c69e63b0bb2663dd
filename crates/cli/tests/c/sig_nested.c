/* Nested handlers: a signal raised inside a handler runs at once unless
 * the handler blocks it (the signal itself without SA_NODEFER, sa_mask);
 * the mask inside a handler, and after it returns. */
#include <signal.h>
#include <string.h>
#include "check.h"

static char trace[512];
static int depth;

static void note(const char *s) { strcat(trace, s); }

static int blocked(int sig) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

static void usr2(int sig) {
    (void)sig;
    note("[usr2]");
}

static int usr1_runs;
static void usr1(int sig) {
    (void)sig;
    usr1_runs++;
    note(usr1_runs == 1 ? "[usr1 " : "[usr1-again ");
    if (usr1_runs == 1) {
        note(blocked(SIGUSR1) ? "self-blocked " : "self-open ");
        note(blocked(SIGUSR2) ? "usr2-blocked " : "usr2-open ");
        raise(SIGUSR2);
        note("after-usr2 ");
        raise(SIGUSR1);
        note("after-usr1 ");
    }
    note("]");
}

static void recursive(int sig) {
    int me = ++depth;
    char buf[16] = "(";
    buf[1] = (char)('0' + me);
    buf[2] = 0;
    note(buf);
    if (me < 5)
        raise(sig);
    note(")");
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_handler = usr2;
    SHOW(sigaction(SIGUSR2, &sa, NULL));
    sa.sa_handler = usr1;
    SHOW(sigaction(SIGUSR1, &sa, NULL));

    raise(SIGUSR1);
    printf("plain:    %s\n", trace);
    printf("after: usr1 blocked=%d usr2 blocked=%d\n", blocked(SIGUSR1), blocked(SIGUSR2));

    trace[0] = 0;
    usr1_runs = 0;
    sigaddset(&sa.sa_mask, SIGUSR2);
    SHOW(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    printf("sa_mask:  %s\n", trace);

    trace[0] = 0;
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = recursive;
    sa.sa_flags = SA_NODEFER;
    SHOW(sigaction(SIGHUP, &sa, NULL));
    raise(SIGHUP);
    printf("nodefer:  %s\n", trace);

    trace[0] = 0;
    depth = 0;
    sa.sa_flags = 0;
    SHOW(sigaction(SIGHUP, &sa, NULL));
    raise(SIGHUP);
    printf("deferred: %s\n", trace);
    return 0;
}
