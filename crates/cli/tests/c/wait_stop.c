/* Stopped and continued children through wait: WUNTRACED and WCONTINUED
 * (wait4), WSTOPPED and WCONTINUED (waitid), each event reported once
 * (or kept with WNOWAIT), a continue replacing a stop not yet waited
 * for, SIGCHLD's CLD_STOPPED/CLD_CONTINUED and SA_NOCLDSTOP, stop signals
 * that are handled or ignored, a stopped child killed, a stopped
 * multi-threaded child, and a blocking read that goes on after SIGCONT. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "check.h"

static volatile int chld_count, chld_code, chld_status;
static void on_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    chld_count++;
    chld_code = si->si_code;
    chld_status = si->si_status;
}

static void chld_action(int flags) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    sigaction(SIGCHLD, &sa, NULL);
}

static const char *code_name(int c) {
    switch (c) {
    case 0: return "0";
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "?";
    }
}

static void show(const char *what, pid_t want, pid_t got, int st) {
    /* Linux sends CLD_CONTINUED when the child next runs, which may be
     * after the wait saw it continued: give it time. */
    for (int i = 0; i < 50 && got == want && WIFCONTINUED(st) && !chld_count; i++)
        usleep(10000);
    printf("%-36s ", what);
    if (got <= 0)
        printf("r=%d %s", got, got < 0 ? errname(errno) : "");
    else if (got != want)
        printf("wrong pid");
    else if (WIFSTOPPED(st))
        printf("stopped sig=%d", WSTOPSIG(st));
    else if (WIFCONTINUED(st))
        printf("continued");
    else if (WIFEXITED(st))
        printf("exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("killed sig=%d", WTERMSIG(st));
    printf(" | sigchld count=%d %s status=%d\n", chld_count, code_name(chld_code), chld_status);
    chld_count = chld_code = chld_status = 0;
}

static void show_id(const char *what, pid_t want, int r, siginfo_t *si) {
    printf("%-36s r=%d %s pid_ok=%d signo=%d %s status=%d\n", what, r, r < 0 ? errname(errno) : "",
           si->si_pid == want, si->si_signo, code_name(si->si_code), si->si_status);
    memset(si, 0, sizeof *si);
}

/* A child blocked reading a pipe; it exits with the byte it reads. */
static pid_t reader(int *wfd) {
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        char b = 0;
        ssize_t n = read(p[0], &b, 1);
        _exit(n == 1 ? b : 99);
    }
    close(p[0]);
    *wfd = p[1];
    return c;
}

static void *spin(void *arg) {
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    chld_action(0);
    int st, w;
    pid_t r;
    siginfo_t si;
    memset(&si, 0, sizeof si);

    /* 1. SIGSTOP, SIGCONT, each reported once; then the read goes on. */
    pid_t c = reader(&w);
    kill(c, SIGSTOP);
    r = waitpid(c, &st, WUNTRACED);
    show("SIGSTOP, WUNTRACED", c, r, st);
    r = waitpid(c, &st, WUNTRACED | WNOHANG);
    show("again", c, r, st);
    r = waitpid(c, &st, WNOHANG);
    show("without WUNTRACED", c, r, st);
    kill(c, SIGCONT);
    r = waitpid(c, &st, WCONTINUED);
    show("SIGCONT, WCONTINUED", c, r, st);
    r = waitpid(c, &st, WCONTINUED | WNOHANG);
    show("again", c, r, st);
    write(w, "\x2a", 1);
    r = waitpid(c, &st, WUNTRACED | WCONTINUED);
    show("read goes on, exits", c, r, st);
    close(w);

    /* 2. waitid: WSTOPPED with WNOWAIT keeps the event; a continue
     * replaces a stop nobody waited for. */
    c = reader(&w);
    kill(c, SIGTSTP);
    show_id("SIGTSTP, WSTOPPED|WNOWAIT", c, waitid(P_PID, c, &si, WSTOPPED | WNOWAIT), &si);
    show_id("WSTOPPED", c, waitid(P_PID, c, &si, WSTOPPED), &si);
    show_id("WSTOPPED|WNOHANG", c, waitid(P_PID, c, &si, WSTOPPED | WNOHANG), &si);
    printf("sigchld count=%d %s status=%d\n", chld_count, code_name(chld_code), chld_status);
    chld_count = 0;
    kill(c, SIGCONT);
    kill(c, SIGSTOP);
    waitid(P_PID, c, &si, WSTOPPED | WNOWAIT); /* stopped, not waited for */
    kill(c, SIGCONT);
    usleep(50000);
    chld_count = 0;
    show_id("stop+cont, WSTOPPED|WNOHANG", c, waitid(P_PID, c, &si, WSTOPPED | WNOHANG), &si);
    show_id("WCONTINUED|WNOWAIT", c, waitid(P_PID, c, &si, WCONTINUED | WNOWAIT), &si);
    show_id("WCONTINUED", c, waitid(P_PID, c, &si, WCONTINUED | WNOHANG), &si);
    show_id("WCONTINUED again", c, waitid(P_PID, c, &si, WCONTINUED | WNOHANG), &si);
    show_id("WEXITED|WNOHANG", c, waitid(P_PID, c, &si, WEXITED | WNOHANG), &si);
    SHOW(waitid(P_PID, c, &si, 0));
    SHOW(waitid(P_PID, c, &si, WNOHANG));
    write(w, "\x07", 1);
    show_id("exits", c, waitid(P_PID, c, &si, WEXITED | WSTOPPED | WCONTINUED), &si);
    SHOW(waitid(P_ALL, 0, &si, WSTOPPED | WCONTINUED));
    close(w);

    /* 3. SA_NOCLDSTOP: no signal for a stop or continue, but waits see
     * them. */
    chld_action(SA_NOCLDSTOP);
    chld_count = chld_code = chld_status = 0;
    c = reader(&w);
    kill(c, SIGSTOP);
    r = waitpid(c, &st, WUNTRACED);
    show("SA_NOCLDSTOP, stopped", c, r, st);
    kill(c, SIGCONT);
    r = waitpid(c, &st, WCONTINUED);
    show("SA_NOCLDSTOP, continued", c, r, st);
    /* 4. A stopped child keeps SIGTERM pending until SIGCONT. */
    kill(c, SIGSTOP);
    r = waitpid(c, &st, WUNTRACED);
    show("stopped again", c, r, st);
    kill(c, SIGTERM);
    usleep(50000);
    r = waitpid(c, &st, WUNTRACED | WCONTINUED | WNOHANG);
    show("SIGTERM while stopped", c, r, st);
    kill(c, SIGCONT);
    r = waitpid(c, &st, 0);
    show("SIGCONT: SIGTERM kills it", c, r, st);
    c = reader(&w);
    kill(c, SIGSTOP);
    r = waitpid(c, &st, WUNTRACED);
    show("stopped", c, r, st);
    kill(c, SIGKILL);
    r = waitpid(c, &st, WUNTRACED | WCONTINUED);
    show("SIGKILL while stopped", c, r, st);
    close(w);
    chld_action(0);

    /* 5. Stop signals the child handles or ignores do not stop it. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL); /* before the child sends it */
    c = fork();
    if (c == 0) {
        signal(SIGTSTP, SIG_IGN);
        struct sigaction sa = {0};
        sa.sa_handler = (void (*)(int))_exit;
        sigaction(SIGTTIN, &sa, NULL);
        kill(getppid(), SIGUSR1);
        for (;;)
            pause();
    }
    int sig;
    sigwait(&set, &sig);
    kill(c, SIGTSTP);
    usleep(50000);
    r = waitpid(c, &st, WUNTRACED | WNOHANG);
    show("ignored SIGTSTP", c, r, st);
    kill(c, SIGTTIN);
    r = waitpid(c, &st, WUNTRACED);
    show("handled SIGTTIN (handler exits)", c, r, st);

    /* 6. A multi-threaded child stops and continues as a whole. */
    c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, spin, NULL);
        pthread_create(&t, NULL, spin, NULL);
        kill(getppid(), SIGUSR1);
        spin(NULL);
    }
    sigwait(&set, &sig);
    kill(c, SIGSTOP);
    r = waitpid(c, &st, WUNTRACED);
    show("threads stopped", c, r, st);
    r = waitpid(c, &st, WUNTRACED | WNOHANG);
    show("once", c, r, st);
    kill(c, SIGCONT);
    r = waitpid(c, &st, WCONTINUED);
    show("threads continued", c, r, st);
    kill(c, SIGKILL);
    r = waitpid(c, &st, 0);
    show("killed", c, r, st);

    /* 7. Errors. */
    SHOW(waitpid(-1, &st, WUNTRACED));
    SHOW(waitid(P_ALL, 0, &si, WCONTINUED | WNOHANG));
    SHOW(waitpid(-1, &st, 0x100));
    return 0;
}
