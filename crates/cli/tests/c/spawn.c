/* posix_spawn (glibc: clone3 with CLONE_VM|CLONE_VFORK and a stack of its
 * own), popen, and raw clone3 through syscall(): fork-like, with
 * CLONE_VM|CLONE_VFORK on a new stack (the child runs a function there
 * and shares the parent's memory), CLONE_CLEAR_SIGHAND, and the errors. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "check.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif

extern char **environ;

struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void show_status(const char *what, pid_t want, pid_t got, int st) {
    printf("%-40s pid_ok=%d ", what, got == want);
    if (WIFEXITED(st))
        printf("exited %d\n", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("killed %d\n", WTERMSIG(st));
    else
        printf("?\n");
}

/* clone3, then in the child `fn` on the new stack (it must not return);
 * the parent gets the result. Written in assembly: the child cannot
 * return through a C frame on a stack it does not have. */
static long clone3_run(struct clone_args *args, void (*fn)(void)) {
    long ret;
    register void (*f)(void) asm("r12") = fn;
    asm volatile("syscall\n\t"
                 "test %%rax, %%rax\n\t"
                 "jnz 1f\n\t"
                 "xor %%ebp, %%ebp\n\t"
                 "call *%%r12\n\t"
                 "ud2\n"
                 "1:"
                 : "=a"(ret)
                 : "0"((long)SYS_clone3), "D"(args), "S"(sizeof *args), "r"(f)
                 : "rcx", "r11", "memory");
    return ret;
}

static volatile int shared_word;
static char child_stack[64 * 1024] __attribute__((aligned(16)));

static void child_on_new_stack(void) {
    char here;
    /* The memory is the parent's: the parent sees this once released. */
    shared_word = (&here > child_stack && &here < child_stack + sizeof child_stack) ? 42 : 13;
    syscall(SYS_exit, 7);
}

static void child_execs(void) {
    char *argv[] = {"echo", "  exec'd from a clone3 child", NULL};
    syscall(SYS_execve, "/bin/echo", argv, environ);
    syscall(SYS_exit, 127);
}

static volatile int handled;
static void on_usr1(int sig) { handled = sig; }

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int st;
    pid_t pid, r;

    /* 1. posix_spawn and posix_spawnp, with file actions and attributes. */
    char *echo_argv[] = {"echo", "  spawned echo", NULL};
    int rc = posix_spawn(&pid, "/bin/echo", NULL, NULL, echo_argv, environ);
    r = waitpid(pid, &st, 0); /* before printing: echo writes meanwhile */
    printf("posix_spawn = %d\n", rc);
    show_status("posix_spawn /bin/echo", pid, r, st);
    int p[2];
    pipe(p);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&at, 0);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    posix_spawnattr_setsigmask(&at, &mask);
    char *sh_argv[] = {"sh", "-c", "echo piped; exit 3", NULL};
    SHOW(posix_spawnp(&pid, "sh", &fa, &at, sh_argv, environ));
    close(p[1]);
    char buf[256] = "";
    ssize_t n, len = 0;
    while ((n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += n;
    close(p[0]);
    printf("child wrote: %s", buf);
    printf("own group: %d\n", getpgid(pid) == pid);
    r = waitpid(pid, &st, 0);
    show_status("posix_spawnp sh", pid, r, st);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    char *none_argv[] = {"nope", NULL};
    SHOW(posix_spawn(&pid, "/nonexistent/nope", NULL, NULL, none_argv, environ));
    SHOW(posix_spawnp(&pid, "trapline-no-such-program", NULL, NULL, none_argv, environ));
    SHOW(waitpid(-1, &st, WNOHANG));

    /* 2. popen, both ways. */
    FILE *f = popen("echo from popen; exit 4", "r");
    char line[64] = "";
    fgets(line, sizeof line, f);
    printf("popen read: %s", line);
    st = pclose(f);
    printf("pclose: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    f = popen("tr a-z A-Z", "w");
    fputs("  written through popen\n", f);
    st = pclose(f);
    printf("pclose: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* 3. Raw clone3: fork-like. */
    struct clone_args a = {0};
    a.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid == 0)
        _exit(5);
    r = waitpid(pid, &st, 0);
    show_status("clone3 fork-like", pid, r, st);

    /* 4. CLONE_VM|CLONE_VFORK on a new stack: the parent waits, then sees
     * what the child wrote. */
    a.flags = CLONE_VM | CLONE_VFORK;
    a.stack = (uintptr_t)child_stack;
    a.stack_size = sizeof child_stack;
    pid = clone3_run(&a, child_on_new_stack);
    printf("after the vfork child: shared_word=%d\n", shared_word);
    r = waitpid(pid, &st, 0);
    show_status("clone3 CLONE_VM|CLONE_VFORK", pid, r, st);
    pid = clone3_run(&a, child_execs);
    r = waitpid(pid, &st, 0); /* released at the exec: wait for its output */
    show_status("clone3 CLONE_VM|CLONE_VFORK + exec", pid, r, st);

    /* 5. CLONE_CLEAR_SIGHAND: handled signals are at their default in
     * the child; ignored ones stay ignored. */
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);
    struct clone_args c = {0};
    c.flags = CLONE_CLEAR_SIGHAND;
    c.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &c, sizeof c);
    if (pid == 0) {
        raise(SIGUSR2);
        raise(SIGUSR1);
        _exit(0);
    }
    r = waitpid(pid, &st, 0);
    show_status("CLONE_CLEAR_SIGHAND child", pid, r, st);
    raise(SIGUSR1);
    printf("parent's handler still there: %d\n", handled == SIGUSR1);

    /* 6. Errors. */
    struct clone_args e = {0};
    e.exit_signal = SIGCHLD;
    SHOW(syscall(SYS_clone3, &e, 32));
    SHOW(syscall(SYS_clone3, &e, 8192));
    SHOW(syscall(SYS_clone3, BAD_PTR, sizeof e));
    e.exit_signal = 65;
    SHOW(syscall(SYS_clone3, &e, sizeof e));
    e.exit_signal = SIGCHLD;
    e.flags = SIGCHLD;
    SHOW(syscall(SYS_clone3, &e, sizeof e));
    e.flags = CLONE_DETACHED;
    SHOW(syscall(SYS_clone3, &e, sizeof e));
    e.flags = CLONE_PARENT;
    SHOW(syscall(SYS_clone3, &e, sizeof e));
    e.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
    SHOW(syscall(SYS_clone3, &e, sizeof e));
    e.flags = CLONE_SIGHAND | CLONE_VM | CLONE_CLEAR_SIGHAND;
    e.exit_signal = 0;
    SHOW(syscall(SYS_clone3, &e, sizeof e));
    e.flags = CLONE_THREAD;
    SHOW(syscall(SYS_clone3, &e, sizeof e));
    e.flags = 0;
    e.stack = (uintptr_t)child_stack;
    SHOW(syscall(SYS_clone3, &e, sizeof e));
    unsigned char big[128] = {0};
    memcpy(big, &a, sizeof a);
    big[100] = 1;
    SHOW(syscall(SYS_clone3, big, sizeof big));
    SHOW(waitpid(-1, &st, WNOHANG));
    return 0;
}
