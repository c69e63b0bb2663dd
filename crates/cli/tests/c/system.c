/* Identity, limits, time, randomness, system information. */
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include "check.h"

int main(int argc, char **argv, char **envp) {
    SHOW(getpid() == syscall(SYS_gettid));
    SHOW(getuid());
    SHOW(geteuid());
    SHOW(getgid());
    SHOW(getegid());
    SHOW(getpgrp() == getpgid(0));
    struct utsname u;
    SHOW(uname(&u));
    printf("sysname=%s machine=%s\n", u.sysname, u.machine);
    cpu_set_t set;
    SHOW(sched_getaffinity(0, sizeof set, &set));
    printf("cpus=%d\n", CPU_COUNT(&set));
    SHOW(sched_yield());
    struct rlimit rl;
    SHOW(getrlimit(RLIMIT_STACK, &rl));
    SHOW(getrlimit(RLIMIT_NOFILE, &rl));
    printf("nofile %lu %lu\n", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
    rl.rlim_cur = 100;
    SHOW(setrlimit(RLIMIT_NOFILE, &rl));
    SHOW(getrlimit(RLIMIT_NOFILE, &rl));
    printf("nofile now %lu\n", (unsigned long)rl.rlim_cur);
    SHOW(prlimit(0, RLIMIT_NOFILE, NULL, &rl));
    struct timespec a, b;
    SHOW(clock_gettime(CLOCK_MONOTONIC, &a));
    struct timespec d = {0, 20 * 1000 * 1000};
    SHOW(nanosleep(&d, NULL));
    SHOW(clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL));
    SHOW(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b));
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("slept at least 40ms: %d\n", ms >= 40);
    SHOW(syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &a));
    SHOW(syscall(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &b));
    printf("thread cpu time positive %d\n", b.tv_sec > 0 || b.tv_nsec > 0);
    SHOW(syscall(SYS_clock_getres, CLOCK_MONOTONIC, &a));
    struct timeval tv;
    SHOW(syscall(SYS_gettimeofday, &tv, NULL));
    time_t t1 = syscall(SYS_time, NULL);
    printf("time close to gettimeofday: %d\n", labs(t1 - tv.tv_sec) <= 1);
    unsigned char rnd[32];
    SHOW(getrandom(rnd, sizeof rnd, 0));
    SHOW(getrandom(rnd, sizeof rnd, GRND_NONBLOCK));
    struct sysinfo si;
    SHOW(sysinfo(&si));
    printf("mem_unit>0 %d totalram>0 %d\n", si.mem_unit > 0, si.totalram > 0);
    SHOW(umask(077));
    SHOW(umask(022));
    /* The auxiliary vector describes this program. */
    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    printf("AT_PHNUM %lu\n", getauxval(AT_PHNUM));
    printf("AT_PHENT %lu\n", getauxval(AT_PHENT));
    printf("AT_RANDOM set %d\n", getauxval(AT_RANDOM) != 0);
    printf("AT_SYSINFO_EHDR set %d\n", getauxval(AT_SYSINFO_EHDR) != 0);
    printf("AT_EXECFN %s\n", (char *)getauxval(AT_EXECFN));
    printf("AT_UID %lu AT_EUID %lu AT_SECURE %lu\n", getauxval(AT_UID), getauxval(AT_EUID), getauxval(AT_SECURE));
    printf("AT_PLATFORM %s\n", (char *)getauxval(AT_PLATFORM));
    printf("argc %d argv0 %s\n", argc, argv[0]);
    int n = 0;
    while (envp[n]) n++;
    printf("envc %d PATH=%s\n", n, getenv("PATH"));
    /* Signal bookkeeping. */
    struct sigaction sa = {0}, old;
    sa.sa_handler = SIG_IGN;
    SHOW(sigaction(SIGUSR1, &sa, NULL));
    SHOW(sigaction(SIGUSR1, NULL, &old));
    printf("ignored: %d\n", old.sa_handler == SIG_IGN);
    sigset_t s, o;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigaddset(&s, SIGKILL);
    SHOW(sigprocmask(SIG_BLOCK, &s, NULL));
    SHOW(sigprocmask(SIG_SETMASK, NULL, &o));
    printf("usr2 blocked %d kill blocked %d\n", sigismember(&o, SIGUSR2), sigismember(&o, SIGKILL));
    return 3;
}
