/* /proc/self and /proc/self/task: what a process sees of itself must agree
 * with what it learns from system calls. Prints invariants and errnos,
 * never pids, addresses or sizes, so that native and Trapline runs match. */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static char buf[1 << 18];

/* Reads a whole file into buf (NUL-terminated); -1 with errno on failure. */
static long slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    long n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

/* The value after "key:" in buf (status-style), or -1. */
static long field(const char *text, const char *key) {
    const char *p = text;
    size_t k = strlen(key);
    while (p && *p) {
        if (!strncmp(p, key, k) && p[k] == ':') return strtol(p + k + 1, NULL, 10);
        p = strchr(p, '\n');
        if (p) p++;
    }
    return -1;
}

/* The hex value after "key:" (SigBlk and friends). */
static unsigned long long hexfield(const char *text, const char *key) {
    const char *p = strstr(text, key);
    return p ? strtoull(p + strlen(key) + 1, NULL, 16) : ~0ULL;
}

static const char *yes(int c) { return c ? "yes" : "NO"; }

static void on_term(int sig) { (void)sig; }

static void status_and_stat(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGTERM, on_term);
    raise(SIGUSR1); /* pending, blocked */

    static char status[8192];
    if (slurp("/proc/self/status") < 0) { printf("status: %s\n", errname(errno)); return; }
    strcpy(status, buf);
    printf("status Pid, Tgid are getpid: %s\n",
           yes(field(status, "Pid") == getpid() && field(status, "Tgid") == getpid()));
    printf("status PPid is getppid: %s\n", yes(field(status, "PPid") == getppid()));
    printf("status Uid is getuid: %s\n", yes(field(status, "Uid") == (long)getuid()));
    printf("status Threads: %ld\n", field(status, "Threads"));
    printf("status FDSize >= 64: %s\n", yes(field(status, "FDSize") >= 64));
    printf("status VmRSS > 0 and <= VmSize: %s\n",
           yes(field(status, "VmRSS") > 0 && field(status, "VmRSS") <= field(status, "VmSize")));
    printf("status VmHWM >= VmRSS: %s\n", yes(field(status, "VmHWM") >= field(status, "VmRSS")));
    printf("status SigBlk has SIGUSR1: %s\n",
           yes(hexfield(status, "SigBlk") & (1ULL << (SIGUSR1 - 1))));
    printf("status SigPnd/ShdPnd has SIGUSR1: %s\n",
           yes((hexfield(status, "SigPnd") | hexfield(status, "ShdPnd")) & (1ULL << (SIGUSR1 - 1))));
    printf("status SigIgn has SIGUSR2: %s\n",
           yes(hexfield(status, "SigIgn") & (1ULL << (SIGUSR2 - 1))));
    printf("status SigCgt has SIGTERM: %s\n",
           yes(hexfield(status, "SigCgt") & (1ULL << (SIGTERM - 1))));
    printf("status NoNewPrivs: %ld\n", field(status, "NoNewPrivs"));
    cpu_set_t cpus;
    sched_getaffinity(0, sizeof cpus, &cpus);
    const char *list = strstr(status, "Cpus_allowed_list:");
    int n = 0;
    if (list) {
        /* Count the CPUs of "0-1,3". */
        const char *p = list + strlen("Cpus_allowed_list:");
        while (*p && *p != '\n') {
            long a = strtol(p, (char **)&p, 10), b = a;
            if (*p == '-') b = strtol(p + 1, (char **)&p, 10);
            n += b - a + 1;
            if (*p == ',') p++;
            while (*p == '\t' || *p == ' ') p++;
        }
    }
    printf("status Cpus_allowed_list counts sched_getaffinity: %s\n", yes(n == CPU_COUNT(&cpus)));

    /* stat: pid (comm) state ppid ... num_threads(20) ... vsize(23) rss(24) */
    slurp("/proc/self/stat");
    char *close_paren = strrchr(buf, ')');
    char *f[64];
    int nf = 0;
    for (char *t = strtok(close_paren + 2, " \n"); t && nf < 64; t = strtok(NULL, " \n")) f[nf++] = t;
    printf("stat fields: %d, pid ok: %s, state %s, ppid ok: %s, threads %s\n", nf + 2,
           yes(atoi(buf) == getpid()), f[0], yes(atoi(f[1]) == getppid()), f[17]);
    unsigned long vsize = strtoul(f[20], NULL, 10);
    long rss = atol(f[21]);
    struct timespec now;
    clock_gettime(CLOCK_BOOTTIME, &now);
    long hz = sysconf(_SC_CLK_TCK);
    long long ticks = (long long)now.tv_sec * hz + now.tv_nsec / (1000000000 / hz);
    printf("stat starttime is in the past: %s\n", yes(atoll(f[19]) <= ticks));
    long size, resident;
    slurp("/proc/self/statm");
    int got = sscanf(buf, "%ld %ld", &size, &resident);
    /* stat's rss lags behind on Linux (per-thread counters): not compared. */
    (void)rss;
    printf("statm fields: %d, size is stat's vsize: %s, resident > 0: %s\n", got,
           yes((unsigned long)size * 4096 == vsize), yes(resident > 0));
    signal(SIGUSR1, SIG_IGN); /* discards the pending one */
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void maps_and_smaps(const char *exe) {
    struct stat st;
    stat(exe, &st);
    int local = 0;
    unsigned long here = (unsigned long)&local, code = (unsigned long)&maps_and_smaps;
    int stack = 0, text = 0, vdso = 0, lines = 0, devino = 0;
    static char maps[1 << 16];
    slurp("/proc/self/maps");
    strcpy(maps, buf);
    for (char *l = strtok(maps, "\n"); l; l = strtok(NULL, "\n")) {
        unsigned long lo, hi, off, ino;
        unsigned maj, min;
        char perms[5];
        int name_at = 0;
        if (sscanf(l, "%lx-%lx %4s %lx %x:%x %lu %n", &lo, &hi, perms, &off, &maj, &min, &ino,
                   &name_at) < 7)
            continue;
        lines++;
        const char *name = l + name_at;
        if (lo <= here && here < hi && !strcmp(name, "[stack]")) stack = 1;
        if (lo <= code && code < hi && perms[2] == 'x' && !strcmp(name, exe)) {
            text = 1;
            devino = ino == st.st_ino && makedev(maj, min) == st.st_dev;
        }
        if (!strcmp(name, "[vdso]")) vdso = 1;
    }
    printf("maps: local in [stack]: %s, code in the program: %s, its dev and inode: %s, [vdso]: %s\n",
           yes(stack), yes(text), yes(devino), yes(vdso));

    /* smaps: one entry per maps line, with consistent sizes. */
    slurp("/proc/self/smaps");
    int entries = 0, sizes_ok = 1, flags = 0;
    char *p = buf;
    while ((p = strstr(p, "\nSize:")) != NULL) {
        /* The header is the line before. */
        char *h = p - 1;
        while (h > buf && h[-1] != '\n') h--;
        unsigned long lo, hi;
        long kb = strtol(p + 6, NULL, 10);
        char *rss = strstr(p, "\nRss:");
        if (sscanf(h, "%lx-%lx", &lo, &hi) != 2 || (long)((hi - lo) >> 10) != kb || !rss ||
            strtol(rss + 5, NULL, 10) > kb)
            sizes_ok = 0;
        entries++;
        p++;
    }
    for (p = buf; (p = strstr(p, "\nVmFlags: rd")) != NULL; p++) flags++;
    printf("smaps: one entry per mapping: %s, sizes agree: %s, VmFlags of readable ones: %s\n",
           yes(entries == lines), yes(sizes_ok), yes(flags > 0));
    slurp("/proc/self/smaps_rollup");
    printf("smaps_rollup: %s\n", yes(strstr(buf, "[rollup]\nRss:") != NULL));
}

static void limits(void) {
    slurp("/proc/self/limits");
    static const char *names[] = {"Max cpu time", "Max file size", "Max data size",
                                  "Max stack size", "Max core file size", "Max resident set",
                                  "Max processes", "Max open files", "Max locked memory",
                                  "Max address space", "Max file locks", "Max pending signals",
                                  "Max msgqueue size", "Max nice priority",
                                  "Max realtime priority", "Max realtime timeout"};
    int agree = 1;
    for (int i = 0; i < 16; i++) {
        struct rlimit rl;
        getrlimit(i, &rl);
        char *l = strstr(buf, names[i]);
        if (!l) { agree = 0; continue; }
        char cur[32], max[32], want_cur[32], want_max[32];
        sscanf(l + 26, "%31s %31s", cur, max);
#define SHOWLIM(v, out) \
    (v == RLIM_INFINITY ? snprintf(out, 32, "unlimited") : snprintf(out, 32, "%llu", (unsigned long long)v))
        SHOWLIM(rl.rlim_cur, want_cur);
        SHOWLIM(rl.rlim_max, want_max);
        if (strcmp(cur, want_cur) || strcmp(max, want_max)) agree = 0;
    }
    printf("limits: header: %s, every limit is getrlimit's: %s\n",
           yes(!strncmp(buf, "Limit                     Soft Limit           Hard Limit", 55)),
           yes(agree));
}

static long mount_id_of(int fd) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    slurp(path);
    return field(buf, "mnt_id");
}

static void fds_and_mounts(void) {
    int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    lseek(fd, 5, SEEK_SET);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    slurp(path);
    struct stat st;
    fstat(fd, &st);
    char flags[32] = "";
    char *fl = strstr(buf, "flags:");
    if (fl) sscanf(fl + 6, "%31s", flags);
    printf("fdinfo: pos %ld, flags %s, ino is st_ino: %s\n", field(buf, "pos"), flags,
           yes(field(buf, "ino") == (long)st.st_ino));
    long etc_mnt = mount_id_of(fd);
    int p[2];
    pipe(p);
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", p[1]);
    slurp(path);
    fl = strstr(buf, "flags:");
    if (fl) sscanf(fl + 6, "%31s", flags);
    printf("fdinfo of a pipe's write end: flags %s\n", flags);

    /* mountinfo: the mounts of /etc/passwd and /proc are listed, with the
       device numbers their files have. */
    int procfd = open("/proc", O_RDONLY | O_DIRECTORY);
    long proc_mnt = mount_id_of(procfd);
    struct stat proc_st;
    fstat(procfd, &proc_st);
    slurp("/proc/self/mountinfo");
    int etc_seen = 0, proc_ok = 0, root_seen = 0, well_formed = 1;
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
        long id, parent;
        unsigned maj, min;
        char root[256], point[256];
        if (sscanf(l, "%ld %ld %u:%u %255s %255s", &id, &parent, &maj, &min, root, point) != 6 ||
            !strstr(l, " - "))
            well_formed = 0;
        if (id == etc_mnt) etc_seen = 1;
        if (!strcmp(point, "/")) root_seen = 1;
        if (id == proc_mnt && !strcmp(point, "/proc") && strstr(l, " - proc ") &&
            makedev(maj, min) == proc_st.st_dev)
            proc_ok = 1;
    }
    printf("mountinfo: well formed: %s, has /: %s, has /etc/passwd's mount: %s, /proc is proc: %s\n",
           yes(well_formed), yes(root_seen), yes(etc_seen), yes(proc_ok));
    slurp("/proc/self/mounts");
    printf("mounts has /proc: %s\n", yes(strstr(buf, " /proc proc ") != NULL));
    close(procfd);

    /* fd links: a pipe is reached through its link. */
    write(p[1], "piped", 5);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    char link[64] = "";
    readlink(path, link, sizeof link - 1);
    printf("pipe link: %.6s\n", link);
    int again = open(path, O_RDONLY);
    char data[8] = "";
    long n = again < 0 ? -1 : read(again, data, sizeof data - 1);
    printf("reopened pipe reads %ld: %s\n", n, data);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    int w = open(path, O_WRONLY);
    write(w, "again", 5);
    close(w);
    n = read(p[0], data, sizeof data - 1);
    data[n < 0 ? 0 : n] = 0;
    printf("written through the write end's link: %ld %s\n", n, data);
    close(again);
    close(p[0]);
    close(p[1]);
    close(fd);
}

static void namespaces(void) {
    static const char *ns[] = {"pid", "mnt", "uts", "ipc", "user", "net", "cgroup", "time"};
    int ok = 1;
    for (unsigned i = 0; i < sizeof ns / sizeof *ns; i++) {
        char path[64], link[64] = "";
        snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
        long n = readlink(path, link, sizeof link - 1);
        struct stat st;
        unsigned long ino = 0;
        char want[16];
        snprintf(want, sizeof want, "%s:[", ns[i]);
        if (n < 0 || stat(path, &st) < 0 || strncmp(link, want, strlen(want)) ||
            sscanf(link + strlen(want), "%lu", &ino) != 1 || ino != st.st_ino)
            ok = 0;
    }
    char a[64] = "", b[64] = "";
    readlink("/proc/self/ns/pid", a, sizeof a - 1);
    readlink("/proc/self/ns/pid_for_children", b, sizeof b - 1);
    printf("ns links name their inodes: %s, pid_for_children is pid: %s\n", yes(ok), yes(!strcmp(a, b)));
    int fd = open("/proc/self/ns/pid", O_RDONLY);
    char c;
    SHOW(fd >= 0);
    SHOW(read(fd, &c, 1));
    close(fd);
}

static void auxv(void) {
    long n = slurp("/proc/self/auxv");
    unsigned long *v = (unsigned long *)buf;
    int agree = 1, pairs = 0, ends = 0;
    /* glibc rewrites AT_HWCAP; these it hands out as the kernel gave them. */
    static const unsigned long keys[] = {AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_ENTRY,
                                         AT_BASE, AT_UID, AT_EUID, AT_GID, AT_EGID,
                                         AT_RANDOM, AT_EXECFN, AT_SYSINFO_EHDR, AT_CLKTCK};
    for (long i = 0; i + 1 < n / 8; i += 2) {
        pairs++;
        if (v[i] == AT_NULL) { ends = 1; break; }
        for (unsigned k = 0; k < sizeof keys / sizeof *keys; k++)
            if (v[i] == keys[k] && getauxval(v[i]) != v[i + 1]) agree = 0;
    }
    printf("auxv: pairs > 10: %s, each is getauxval's: %s, ends with AT_NULL: %s\n",
           yes(pairs > 10), yes(agree), yes(ends));
}

static pthread_barrier_t ready, done;

static void *named_thread(void *arg) {
    (void)arg;
    pthread_setname_np(pthread_self(), "worker");
    pthread_barrier_wait(&ready);
    pthread_barrier_wait(&done);
    return NULL;
}

static void tasks(void) {
    pthread_t t;
    pthread_barrier_init(&ready, NULL, 2);
    pthread_barrier_init(&done, NULL, 2);
    pthread_create(&t, NULL, named_thread, NULL);
    pthread_barrier_wait(&ready);
    DIR *d = opendir("/proc/self/task");
    int count = 0, mine = 0, other = 0;
    char other_path[300] = "";
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        count++;
        if (atoi(e->d_name) == getpid()) mine = 1;
        else { other = atoi(e->d_name); snprintf(other_path, sizeof other_path, "/proc/self/task/%s", e->d_name); }
    }
    closedir(d);
    printf("task: %d threads, the main one is getpid: %s\n", count, yes(mine));
    char path[400];
    snprintf(path, sizeof path, "%s/comm", other_path);
    slurp(path);
    printf("the other thread's comm: %s", buf);
    snprintf(path, sizeof path, "%s/status", other_path);
    slurp(path);
    printf("its status: Pid is its tid: %s, Tgid is getpid: %s, Threads %ld\n",
           yes(field(buf, "Pid") == other), yes(field(buf, "Tgid") == getpid()), field(buf, "Threads"));
    snprintf(path, sizeof path, "%s/stat", other_path);
    slurp(path);
    printf("its stat starts with its tid: %s, (worker): %s\n", yes(atoi(buf) == other),
           yes(strstr(buf, " (worker) ") != NULL));
    /* Naming another thread goes through its comm file. */
    printf("pthread_setname_np of the other thread: %d\n", pthread_setname_np(t, "renamed"));
    snprintf(path, sizeof path, "%s/comm", other_path);
    slurp(path);
    printf("its comm now: %s", buf);
    slurp("/proc/thread-self/comm");
    printf("thread-self/comm of the main thread: %s", buf);
    pthread_barrier_wait(&done);
    pthread_join(t, NULL);
}

static void errors(void) {
    char link[64];
    int st = open("/proc/self/status", O_WRONLY);
    SHOW(st >= 0);
    SHOW(write(st, "x", 1));
    close(st);
    SHOW(open("/proc/self/fdinfo/999", O_RDONLY));
    SHOW(open("/proc/self/fd/999", O_RDONLY));
    SHOW(readlink("/proc/self/status", link, sizeof link));
    SHOW(open("/proc/self/task/99999999/stat", O_RDONLY));
    SHOW(open("/proc/self/ns/nope", O_RDONLY));
    SHOW(open("/proc/self/limits/x", O_RDONLY));
    SHOW(mkdir("/proc/self/fdinfo/new", 0755));
    int fd = open("/proc/self/stat", O_RDONLY);
    SHOW(write(fd, "x", 1));
    SHOW(lseek(fd, 0, SEEK_DATA + 10));
    close(fd);
    slurp("/proc/self/cgroup");
    printf("cgroup has the unified hierarchy: %s\n", yes(strstr(buf, "0::/") != NULL));
}

int main(int argc, char **argv) {
    (void)argc;
    char exe[4096] = "";
    readlink("/proc/self/exe", exe, sizeof exe - 1);
    printf("exe is argv[0]: %s\n", yes(!strcmp(exe, argv[0])));
    status_and_stat();
    maps_and_smaps(exe);
    limits();
    fds_and_mounts();
    namespaces();
    auxv();
    tasks();
    errors();
    return 0;
}
