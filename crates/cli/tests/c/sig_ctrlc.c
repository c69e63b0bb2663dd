/* Not a differential program: waits in a blocking read of an empty pipe
 * for Ctrl-C; its SIGINT handler says so and exits 3. */
#include <signal.h>
#include <stdlib.h>
#include "check.h"

static void on_int(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    char msg[64];
    int n = snprintf(msg, sizeof msg, "caught SIGINT %d code=%d pid=%d\n", sig, si->si_code, si->si_pid);
    write(1, msg, n);
    exit(3);
}

int main(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_int;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    int p[2];
    if (pipe(p) != 0)
        return 1;
    printf("waiting\n");
    fflush(stdout);
    char c;
    read(p[0], &c, 1);
    printf("read returned\n");
    return 2;
}
