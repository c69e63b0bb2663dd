/* /sys/devices/system/cpu agrees with sysconf and sched_getaffinity, the
 * way glibc and runtimes read it; /sys/fs/cgroup is a directory. */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>

static char buf[4096];

static long slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n < 0 ? 0 : n] = 0;
    return n;
}

/* Parses a CPU list ("0-3,5") into a set; returns how many. */
static int cpu_list(const char *s, cpu_set_t *set) {
    CPU_ZERO(set);
    const char *p = s;
    while (*p >= '0' && *p <= '9') {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (*end == '-') b = strtol(end + 1, &end, 10);
        for (long i = a; i <= b && i < CPU_SETSIZE; i++) CPU_SET(i, set);
        p = *end == ',' ? end + 1 : end;
    }
    return CPU_COUNT(set);
}

static const char *yes(int c) { return c ? "yes" : "NO"; }

int main(void) {
    cpu_set_t online, possible, present, mine;
    slurp("/sys/devices/system/cpu/online");
    int n_online = cpu_list(buf, &online);
    slurp("/sys/devices/system/cpu/possible");
    cpu_list(buf, &possible);
    slurp("/sys/devices/system/cpu/present");
    int n_present = cpu_list(buf, &present);
    printf("online counts _SC_NPROCESSORS_ONLN: %s\n", yes(n_online == sysconf(_SC_NPROCESSORS_ONLN)));
    cpu_set_t both;
    CPU_AND(&both, &online, &possible);
    printf("online within possible: %s\n", yes(CPU_EQUAL(&both, &online)));
    sched_getaffinity(0, sizeof mine, &mine);
    CPU_AND(&both, &mine, &online);
    printf("affinity within online: %s\n", yes(CPU_EQUAL(&both, &mine)));

    /* get_nprocs_conf counts the cpuN directories. */
    DIR *d = opendir("/sys/devices/system/cpu");
    int dirs = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, "cpu", 3) && e->d_name[3] >= '0' && e->d_name[3] <= '9') dirs++;
    if (d) closedir(d);
    printf("a cpuN directory per present CPU: %s, counts _SC_NPROCESSORS_CONF: %s\n",
           yes(dirs == n_present), yes(dirs == sysconf(_SC_NPROCESSORS_CONF)));

    int topology_ok = 1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &online)) continue;
        char path[128];
        cpu_set_t siblings;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", cpu);
        if (slurp(path) < 0 || !cpu_list(buf, &siblings) || !CPU_ISSET(cpu, &siblings)) topology_ok = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
        if (slurp(path) <= 0 || atoi(buf) < 0) topology_ok = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
        if (slurp(path) <= 0 || atoi(buf) < 0) topology_ok = 0;
    }
    printf("each online CPU has its topology: %s\n", yes(topology_ok));

    struct stat st;
    printf("/sys/fs/cgroup is a directory: %s\n",
           yes(stat("/sys/fs/cgroup", &st) == 0 && S_ISDIR(st.st_mode)));
    struct statfs sf;
    statfs("/sys/devices/system/cpu", &sf);
    printf("statfs type is sysfs: %s\n", yes(sf.f_type == 0x62656572));
    stat("/sys/devices/system/cpu/online", &st);
    printf("online: regular, mode %o\n", st.st_mode);
    SHOW(open("/sys/devices/system/cpu/nope", O_RDONLY));
    SHOW(open("/sys/devices/system/cpu/online/x", O_RDONLY));
    SHOW(open("/sys/devices/system/cpu", O_WRONLY));
    return 0;
}
