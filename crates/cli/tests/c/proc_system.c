/* The system-wide files of /proc agree with the system calls that tell the
 * same things (uname, sysinfo, clock_gettime, sysconf). Prints invariants,
 * never values of this machine or this moment. */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

static char buf[1 << 18];

static long slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    long n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

/* Copies at most n-1 bytes of src and terminates. */
static void copy(char *dst, const char *src, size_t n) {
    size_t len = strlen(src);
    if (len >= n) len = n - 1;
    memcpy(dst, src, len);
    dst[len] = 0;
}

/* The first line of a file, without its newline. */
static const char *line_of(const char *path) {
    static char line[512];
    line[0] = 0;
    if (slurp(path) < 0) {
        snprintf(line, sizeof line, "(%s)", errname(errno));
        return line;
    }
    copy(line, buf, sizeof line);
    line[strcspn(line, "\n")] = 0;
    return line;
}

static const char *yes(int c) { return c ? "yes" : "NO"; }

/* The value after "key" (at a line start) in buf, or -1. */
static long long after(const char *key) {
    size_t k = strlen(key);
    for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, key, k)) return atoll(p + k);
    return -1;
}

static double boottime(void) {
    struct timespec t;
    clock_gettime(CLOCK_BOOTTIME, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void names(void) {
    struct utsname u;
    uname(&u);
    printf("hostname is uname's: %s\n", yes(!strcmp(line_of("/proc/sys/kernel/hostname"), u.nodename)));
    printf("domainname is uname's: %s\n", yes(!strcmp(line_of("/proc/sys/kernel/domainname"), u.domainname)));
    printf("osrelease is uname's: %s\n", yes(!strcmp(line_of("/proc/sys/kernel/osrelease"), u.release)));
    printf("ostype is uname's: %s\n", yes(!strcmp(line_of("/proc/sys/kernel/ostype"), u.sysname)));
    printf("version is uname's: %s\n", yes(!strcmp(line_of("/proc/sys/kernel/version"), u.version)));
    char want[256];
    snprintf(want, sizeof want, "Linux version %s (", u.release);
    const char *v = line_of("/proc/version");
    printf("/proc/version names the release: %s, ends with the version: %s\n",
           yes(!strncmp(v, want, strlen(want))),
           yes(strlen(v) >= strlen(u.version) && !strcmp(v + strlen(v) - strlen(u.version), u.version)));
}

static void pids(void) {
    long pid_max = atol(line_of("/proc/sys/kernel/pid_max"));
    printf("pid_max >= getpid: %s\n", yes(pid_max >= getpid()));
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
    printf("ns_last_pid >= the child: %s\n", yes(atol(line_of("/proc/sys/kernel/ns_last_pid")) >= child));
    slurp("/proc/loadavg");
    double l1, l5, l15;
    int running, total, last;
    int n = sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &running, &total, &last);
    printf("loadavg: fields %d, 1 <= running <= total: %s, last pid >= the child: %s\n", n,
           yes(running >= 1 && running <= total), yes(last >= child));
    slurp("/proc/stat");
    printf("stat: processes >= 1: %s, procs_running >= 1: %s, procs_blocked >= 0: %s\n",
           yes(after("processes ") >= 1), yes(after("procs_running ") >= 1),
           yes(after("procs_blocked ") >= 0));
    struct sysinfo si;
    sysinfo(&si);
    printf("sysinfo procs >= 1: %s\n", yes(si.procs >= 1));
}

static void time_and_machine(void) {
    struct sysinfo si;
    sysinfo(&si);
    slurp("/proc/uptime");
    double up = 0, idle = -1;
    sscanf(buf, "%lf %lf", &up, &idle);
    double boot = boottime();
    printf("uptime is CLOCK_BOOTTIME: %s, is sysinfo's: %s, idle >= 0: %s\n",
           yes(up <= boot + 0.1 && up > boot - 2), yes(up >= si.uptime - 1 && up <= si.uptime + 2),
           yes(idle >= 0));
    slurp("/proc/stat");
    long long btime = after("btime ");
    long long now = time(NULL);
    printf("btime + uptime is now: %s\n", yes(llabs(btime + (long long)up - now) <= 2));
    int cpus = 0;
    for (char *p = buf; (p = strstr(p, "\ncpu")) != NULL; p++)
        if (p[4] >= '0' && p[4] <= '9') cpus++;
    printf("stat: first line is cpu: %s, a line per online CPU: %s\n", yes(!strncmp(buf, "cpu ", 4)),
           yes(cpus == sysconf(_SC_NPROCESSORS_ONLN)));
    slurp("/proc/meminfo");
    printf("meminfo MemTotal is sysinfo's: %s\n",
           yes(after("MemTotal:") * 1024 == (long long)si.totalram * si.mem_unit));
    slurp("/proc/cpuinfo");
    int processors = 0;
    for (char *p = buf; (p = strstr(p, "processor\t:")) != NULL; p++) processors++;
    printf("cpuinfo has a processor per online CPU: %s\n", yes(processors == sysconf(_SC_NPROCESSORS_ONLN)));
    slurp("/proc/filesystems");
    printf("filesystems has proc and tmpfs: %s\n",
           yes(strstr(buf, "\tproc\n") && strstr(buf, "\ttmpfs\n")));
}

static void sysctls(void) {
    char a[64], b[64];
    snprintf(a, sizeof a, "%s", line_of("/proc/sys/kernel/random/uuid"));
    snprintf(b, sizeof b, "%s", line_of("/proc/sys/kernel/random/uuid"));
    printf("random/uuid: 36 chars: %s, fresh each time: %s, version 4: %s\n", yes(strlen(a) == 36),
           yes(strcmp(a, b) != 0), yes(a[14] == '4'));
    snprintf(a, sizeof a, "%s", line_of("/proc/sys/kernel/random/boot_id"));
    snprintf(b, sizeof b, "%s", line_of("/proc/sys/kernel/random/boot_id"));
    printf("random/boot_id stays: %s\n", yes(strlen(a) == 36 && !strcmp(a, b)));
    long oc = atol(line_of("/proc/sys/vm/overcommit_memory"));
    printf("overcommit_memory is 0, 1 or 2: %s\n", yes(oc >= 0 && oc <= 2));
    slurp("/proc/mounts");
    static char mounts[1 << 16];
    copy(mounts, buf, sizeof mounts);
    slurp("/proc/self/mounts");
    printf("/proc/mounts is /proc/self/mounts: %s\n", yes(!strcmp(mounts, buf)));
    char link[64] = "";
    readlink("/proc/mounts", link, sizeof link - 1);
    printf("/proc/mounts -> %s\n", link);
}

static void errors(void) {
    struct stat st;
    stat("/proc/uptime", &st);
    printf("uptime is a regular file, mode %o\n", st.st_mode);
    int fd = open("/proc/uptime", O_WRONLY);
    SHOW(fd >= 0);
    SHOW(write(fd, "1", 1));
    close(fd);
    SHOW(open("/proc/sys/kernel/ostype", O_WRONLY));
    SHOW(open("/proc/sys/kernel/nope", O_RDONLY));
    SHOW(open("/proc/nope", O_RDONLY));
    SHOW(open("/proc/uptime/x", O_RDONLY));
    SHOW(mkdir("/proc/sys/kernel/d", 0755));
    SHOW(unlink("/proc/uptime"));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    names();
    pids();
    time_and_machine();
    sysctls();
    errors();
    return 0;
}
