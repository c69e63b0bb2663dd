/* CLONE_PARENT and exit signals: a child made with CLONE_PARENT is its
 * caller's sibling (its parent waits for it, and it reports with the
 * caller's exit signal); a child whose exit signal is not SIGCHLD sends
 * that signal when it ends and is seen only by __WALL/__WCLONE waits; one
 * with exit signal 0 sends nothing; a parent that exec'd since the clone
 * gets SIGCHLD instead. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "check.h"

#ifndef __WALL
#define __WALL 0x40000000
#define __WCLONE 0x80000000
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static volatile int got_sig, got_code, got_status, got_count;
static void on_sig(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_status = si->si_status;
    got_count++;
}

static void catch(int sig) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(sig, &sa, NULL);
}

/* A fork-like clone (no new stack) with these flags. */
static long fork_with(unsigned long flags) { return syscall(SYS_clone, flags, 0, NULL, NULL, 0); }

/* Waits until the last signal handler ran (or a second passed). */
static void await_signal(void) {
    for (int i = 0; i < 100 && !got_count; i++)
        usleep(10000);
}

static void show_got(const char *what) {
    printf("%-34s count=%d sig=%d code=%d status=%d\n", what, got_count, got_sig, got_code,
           got_status);
    got_count = got_sig = got_code = got_status = 0;
}

static void show_wait(const char *what, pid_t want, pid_t got, int st) {
    printf("%-34s pid_ok=%d exited=%d code=%d\n", what, got == want, WIFEXITED(st),
           WEXITSTATUS(st));
}

static int after_exec(void) {
    /* The clone child made before the exec reports with SIGCHLD now. */
    catch(SIGCHLD);
    catch(SIGUSR1);
    pid_t k = (pid_t)strtol(getenv("CLONE_CHILD"), NULL, 10);
    int st = 0;
    SHOW(waitpid(k, &st, 0) == k);  /* still a clone child */
    pid_t r = waitpid(k, &st, __WCLONE);
    await_signal();
    show_wait("after exec: __WCLONE", k, r, st);
    show_got("after exec: signal");
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0)
        return after_exec();
    if (argc > 1 && strcmp(argv[1], "as-init") == 0) {
        /* Only under Trapline, where this is pid 1: init of its pid
         * namespace, which may not make siblings (EINVAL). */
        SHOW(fork_with(CLONE_PARENT | SIGCHLD));
        return 0;
    }
    catch(SIGCHLD);
    catch(SIGUSR1);
    catch(SIGUSR2);
    pid_t me = getpid();
    int st;

    /* 1. CLONE_PARENT from a child: the grandchild is our child. The
     * middle child asks for SIGUSR1, but reports with its own SIGCHLD. */
    int ready[2];
    pipe(ready);
    pid_t mid = fork();
    if (mid == 0) {
        long g = fork_with(CLONE_PARENT | SIGUSR1);
        if (g == 0) {
            char b;
            read(ready[0], &b, 1);
            _exit(getppid() == me ? 22 : 33);
        }
        /* Not our child: we cannot wait for it. */
        _exit(g > 0 && waitpid(g, NULL, WNOHANG | __WALL) < 0 && errno == ECHILD ? 11 : 12);
    }
    pid_t r = waitpid(mid, &st, 0);
    show_wait("middle child", mid, r, st);
    got_count = 0;
    write(ready[1], "x", 1);
    r = waitpid(-1, &st, 0); /* the sibling, a SIGCHLD child */
    await_signal();
    printf("sibling ours=%d exited=%d code=%d\n", r > 0 && r != mid, WIFEXITED(st), WEXITSTATUS(st));
    show_got("sibling's signal");
    SHOW(waitpid(-1, &st, WNOHANG));

    /* 2. Exit signal 0: no signal; only __WALL/__WCLONE see it. */
    long k = fork_with(0);
    if (k == 0)
        _exit(5);
    SHOW(waitpid(-1, &st, 0));
    SHOW(waitpid(k, &st, 0));
    SHOW(waitpid(k, &st, WNOHANG));
    r = waitpid(k, &st, __WCLONE);
    show_wait("exit signal 0, __WCLONE", k, r, st);
    usleep(20000);
    show_got("exit signal 0");

    /* 3. Exit signal SIGUSR1: the parent gets it with the child's status. */
    k = fork_with(SIGUSR1);
    if (k == 0)
        _exit(6);
    siginfo_t si;
    SHOW(waitid(P_PID, k, &si, WEXITED));
    memset(&si, 0, sizeof si);
    SHOW(waitid(P_PID, k, &si, WEXITED | __WALL | WNOWAIT));
    printf("waitid: signo=%d code=%d status=%d pid_ok=%d\n", si.si_signo, si.si_code,
           si.si_status, si.si_pid == k);
    await_signal();
    show_got("exit signal SIGUSR1");
    r = waitpid(k, &st, __WALL);
    show_wait("SIGUSR1 child, __WALL", k, r, st);

    /* 4. clone3 with exit_signal SIGUSR2, killed: reaped by __WCLONE. */
    struct clone_args ca = {0};
    ca.exit_signal = SIGUSR2;
    k = syscall(SYS_clone3, &ca, sizeof ca);
    if (k == 0) {
        pause();
        _exit(0);
    }
    kill(k, SIGTERM);
    r = waitpid(-1, &st, __WCLONE);
    await_signal();
    printf("clone3 SIGUSR2 child: pid_ok=%d signaled=%d sig=%d\n", r == k, WIFSIGNALED(st),
           WTERMSIG(st));
    show_got("exit signal SIGUSR2");
    ca.exit_signal = 65;
    SHOW(syscall(SYS_clone3, &ca, sizeof ca));

    /* 5. A SIGCHLD child and a clone child: each wait sees its own. */
    pid_t plain = fork();
    if (plain == 0)
        _exit(7);
    k = fork_with(SIGUSR1);
    if (k == 0)
        _exit(8);
    r = waitpid(-1, &st, 0);
    show_wait("plain wait", plain, r, st);
    r = waitpid(-1, &st, __WCLONE);
    show_wait("__WCLONE wait", k, r, st);
    SHOW(waitpid(-1, &st, __WALL));
    got_count = 0;

    /* 6. The parent execs: the clone child's SIGUSR1 becomes SIGCHLD. */
    pipe(ready);
    k = fork_with(SIGUSR1);
    if (k == 0) {
        char b;
        close(ready[1]);
        read(ready[0], &b, 1); /* EOF when the parent's exec closed it */
        usleep(50000);
        _exit(9);
    }
    char num[16];
    snprintf(num, sizeof num, "%ld", k);
    setenv("CLONE_CHILD", num, 1);
    fcntl(ready[1], F_SETFD, FD_CLOEXEC);
    close(ready[0]);
    execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
    perror("exec");
    return 1;
}
