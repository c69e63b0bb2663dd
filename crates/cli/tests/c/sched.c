/* Scheduling calls and their errors. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>
#include "check.h"

int main(void) {
    struct sched_param p = {0};
    SHOW(sched_get_priority_max(SCHED_FIFO));
    SHOW(sched_get_priority_min(SCHED_RR));
    SHOW(sched_get_priority_max(SCHED_OTHER));
    SHOW(sched_get_priority_max(42));
    SHOW(sched_getscheduler(0));
    SHOW(sched_getscheduler(-1));
    SHOW(sched_getscheduler(999999));
    SHOW(sched_getparam(0, &p));
    printf("prio %d\n", p.sched_priority);
    SHOW(syscall(SYS_sched_getparam, 0, NULL));
    p.sched_priority = 1;
    SHOW(sched_setscheduler(0, SCHED_OTHER, &p));
    SHOW(sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){.sched_priority = 100}));
    SHOW(sched_setscheduler(0, 77, &p));
    p.sched_priority = 0;
    SHOW(sched_setscheduler(0, SCHED_BATCH, &p));
    SHOW(sched_getscheduler(0));
    SHOW(sched_setscheduler(0, SCHED_OTHER, &p));
    cpu_set_t set;
    CPU_ZERO(&set);
    SHOW(sched_setaffinity(0, sizeof set, &set));
    SHOW(sched_getaffinity(0, sizeof set, &set));
    int n = CPU_COUNT(&set);
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    SHOW(sched_setaffinity(0, sizeof set, &set));
    SHOW(sched_getaffinity(0, sizeof set, &set));
    printf("cpus now %d (was %d>0: %d)\n", CPU_COUNT(&set), n, n > 0);
    errno = 0;
    SHOW(getpriority(PRIO_PROCESS, 0));
    SHOW(setpriority(PRIO_PROCESS, 0, 5));
    SHOW(getpriority(PRIO_PROCESS, 0));
    SHOW(setpriority(PRIO_PROCESS, 0, 100));
    SHOW(getpriority(PRIO_PROCESS, 0));
    SHOW(setpriority(42, 0, 1));
    SHOW(setpriority(PRIO_PROCESS, 999999, 1));
    SHOW(getpriority(PRIO_PGRP, 0) >= -20);
    return 0;
}
