/* sigaltstack: its errors, a handler running on it (SS_ONSTACK, EPERM
 * while on it), and a stack overflow caught by a SIGSEGV handler on the
 * alternate stack, which siglongjmps out, twice. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "check.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif
#define ALT_SIZE (256 * 1024)
static char *alt;
static sigjmp_buf env;
static volatile int on_alt, query_flags, change_err, segv_code;
static volatile long depth;

static int within_alt(void *p) {
    return (char *)p >= alt && (char *)p < alt + ALT_SIZE;
}

static void usr1(int sig) {
    (void)sig;
    int local;
    stack_t q;
    on_alt = within_alt(&local);
    sigaltstack(NULL, &q);
    query_flags = q.ss_flags;
    stack_t n = {.ss_sp = alt, .ss_size = ALT_SIZE};
    change_err = sigaltstack(&n, NULL) < 0 ? errno : 0;
}

static void segv(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    int local;
    on_alt = within_alt(&local);
    segv_code = si->si_code;
    siglongjmp(env, 1);
}

static long recurse(long n) {
    volatile char pad[1024];
    pad[0] = (char)n;
    depth = n;
    if (n > (1L << 40))
        return 0;
    return recurse(n + 1) + pad[0];
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    alt = malloc(ALT_SIZE);
    stack_t ss = {0}, old;
    SHOW(sigaltstack(NULL, &old));
    printf("initial flags=%d size=%zu\n", old.ss_flags, old.ss_size);
    ss.ss_sp = alt;
    ss.ss_size = 1024;
    SHOW(sigaltstack(&ss, NULL));
    ss.ss_size = ALT_SIZE;
    ss.ss_flags = 77;
    SHOW(sigaltstack(&ss, NULL));
    SHOW(sigaltstack(BAD_PTR, NULL));
    SHOW(sigaltstack(NULL, BAD_PTR));
    ss.ss_flags = 0;
    SHOW(sigaltstack(&ss, NULL));
    SHOW(sigaltstack(NULL, &old));
    printf("set flags=%d size_ok=%d sp_ok=%d\n", old.ss_flags, old.ss_size == ALT_SIZE, old.ss_sp == alt);

    struct sigaction sa = {0};
    sa.sa_handler = usr1;
    sa.sa_flags = SA_ONSTACK;
    SHOW(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    printf("onstack handler: on_alt=%d flags=%d change=%s\n", on_alt, query_flags, errname(change_err));
    sa.sa_flags = 0;
    SHOW(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    printf("plain handler: on_alt=%d flags=%d change=%s\n", on_alt, query_flags, errname(change_err));

    struct sigaction sv = {0};
    sv.sa_sigaction = segv;
    sv.sa_flags = SA_SIGINFO | SA_ONSTACK;
    SHOW(sigaction(SIGSEGV, &sv, NULL));
    for (int round = 0; round < 2; round++) {
        on_alt = 0;
        depth = 0;
        if (sigsetjmp(env, 1) == 0) {
            recurse(0);
            printf("not reached\n");
        } else {
            printf("overflow %d caught: on_alt=%d code=%s deep=%d\n", round, on_alt,
                   segv_code == SEGV_MAPERR ? "SEGV_MAPERR" : segv_code == SEGV_ACCERR ? "SEGV_ACCERR" : "?",
                   depth > 1000);
        }
    }

    /* SS_AUTODISARM: the stack is disarmed while the handler runs. */
    ss.ss_flags = SS_AUTODISARM;
    SHOW(sigaltstack(&ss, NULL));
    sa.sa_flags = SA_ONSTACK;
    SHOW(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    printf("autodisarm handler: on_alt=%d flags=%d change=%s\n", on_alt, query_flags, errname(change_err));
    SHOW(sigaltstack(NULL, &old));
    printf("after: flags=%d\n", old.ss_flags);

    ss.ss_flags = SS_DISABLE;
    SHOW(sigaltstack(&ss, NULL));
    SHOW(sigaltstack(NULL, &old));
    printf("disabled flags=%d size=%zu\n", old.ss_flags, old.ss_size);

    /* Without an alternate stack, the overflow kills: SIGSEGV. */
    if (sigsetjmp(env, 1) == 0)
        recurse(0);
    printf("not reached either\n");
    return 0;
}
