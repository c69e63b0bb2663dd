/* Faults reach handlers with Linux's si_code and si_addr: a NULL read,
 * a write to a read-only page (fixed by the handler with mprotect, then
 * the write succeeds), an integer division by zero, an illegal
 * instruction, a breakpoint; handlers leave with siglongjmp. A fault
 * while its signal is blocked, or ignored, kills. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "check.h"

static sigjmp_buf env;
static volatile int got_sig, got_code;
static volatile void *got_addr;
static char *page;

static void jump(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    siglongjmp(env, 1);
}

static void fix(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

static void trap(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
}

static volatile int zero = 0;

static void report(const char *what, void *expect_addr) {
    printf("%-12s sig=%d code=%d addr_ok=%d\n", what, got_sig, got_code,
           got_addr == expect_addr);
    got_sig = got_code = 0;
    got_addr = NULL;
}

static int child_status(void (*fn)(void)) {
    pid_t p = fork();
    if (p == 0) {
        fn();
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    return WIFSIGNALED(st) ? WTERMSIG(st) : 1000 + WEXITSTATUS(st);
}

static void fault_blocked(void) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGSEGV);
    sigprocmask(SIG_BLOCK, &s, NULL);
    *(volatile int *)0 = 1;
}

static void fault_ignored(void) {
    signal(SIGSEGV, SIG_IGN);
    *(volatile int *)8 = 1;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = jump;
    sa.sa_flags = SA_SIGINFO;
    SHOW(sigaction(SIGSEGV, &sa, NULL));
    SHOW(sigaction(SIGFPE, &sa, NULL));
    SHOW(sigaction(SIGILL, &sa, NULL));
    SHOW(sigaction(SIGBUS, &sa, NULL));

    for (int i = 0; i < 3; i++) {
        if (sigsetjmp(env, 1) == 0)
            printf("%d\n", *(volatile int *)0);
        report("null read", NULL);
    }

    page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(env, 1) == 0)
        page[100] = 1;
    report("ro write", page + 100);

    struct sigaction fx = {0};
    fx.sa_sigaction = fix;
    fx.sa_flags = SA_SIGINFO;
    SHOW(sigaction(SIGSEGV, &fx, NULL));
    page[200] = 42;
    report("fixed write", page + 200);
    printf("page[200]=%d\n", page[200]);
    SHOW(sigaction(SIGSEGV, &sa, NULL));

    if (sigsetjmp(env, 1) == 0)
        printf("%d\n", 10 / zero);
    printf("%-12s sig=%d code=%d\n", "div zero", got_sig, got_code);

    if (sigsetjmp(env, 1) == 0)
        __asm__ volatile("ud2");
    printf("%-12s sig=%d code=%d\n", "ud2", got_sig, got_code);

    struct sigaction tr = {0};
    tr.sa_sigaction = trap;
    tr.sa_flags = SA_SIGINFO;
    SHOW(sigaction(SIGTRAP, &tr, NULL));
    __asm__ volatile("int3");
    printf("%-12s sig=%d code=%d\n", "int3", got_sig, got_code);

    /* The signal mask is back after the jump. */
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("segv blocked after jumps: %d\n", sigismember(&cur, SIGSEGV));

    printf("blocked fault: %d\n", child_status(fault_blocked));
    printf("ignored fault: %d\n", child_status(fault_ignored));

    /* Unhandled: the process dies of SIGSEGV. */
    signal(SIGSEGV, SIG_DFL);
    *(volatile int *)16 = 0;
    printf("not reached\n");
    return 0;
}
