/* The interrupted code's FP and SSE state survives handlers that use the
 * FPU themselves; a handler starts with the default rounding mode; a
 * handler can change the interrupted context through its ucontext. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <ucontext.h>
#include "check.h"

/* MXCSR's rounding control (bits 13-14): 0 nearest, 2 upward. */
static unsigned get_round(void) {
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return (m >> 13) & 3;
}
static void set_round(unsigned r) {
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    m = (m & ~(3u << 13)) | (r << 13);
    __asm__ volatile("ldmxcsr %0" : : "m"(m));
}

static volatile int got;
static volatile int handler_round;
static volatile double sink;

static void handler(int sig) {
    (void)sig;
    handler_round = get_round();
    double z = 1.0;
    for (int i = 0; i < 100; i++)
        z = z * 1.000001 + 3.0;
    sink = z;
    got++;
}

static volatile int skipped;
static void skip_ud2(int sig, siginfo_t *si, void *ucv) {
    (void)sig; (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* over ud2 */
    uc->uc_mcontext.gregs[REG_RAX] = 4242;
    skipped++;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);

    set_round(2);
    SHOW(raise(SIGUSR1));
    printf("rounding in handler: %u, after: %u\n", handler_round, get_round());
    set_round(0);

    /* A child keeps signalling while this loop keeps x and y in
     * registers; y must stay 2x. The loop runs until the child is done. */
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < 200; i++) {
            if (kill(parent, SIGUSR1) != 0)
                break;
            usleep(300);
        }
        _exit(0);
    }
    double x = 0.5, y = 1.0;
    long bad = 0, iters = 0;
    for (;;) {
        x = x * 1.0000001 + 0.25;
        y = y * 1.0000001 + 0.5;
        if (y != 2 * x)
            bad++;
        if (x > 1e6) {
            x = 0.5;
            y = 1.0;
        }
        if (++iters % 4096 == 0 && waitpid(child, NULL, WNOHANG) == child)
            break;
    }
    printf("signals: %s, mismatches: %ld\n", got > 0 ? "some" : "none", bad);

    struct sigaction si = {0};
    si.sa_sigaction = skip_ud2;
    si.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &si, NULL);
    long rax;
    __asm__ volatile("mov $1, %%rax\n\tud2\n\tmov %%rax, %0" : "=r"(rax) : : "rax");
    printf("skipped ud2 %d time(s), rax=%ld\n", skipped, rax);
    return 0;
}
