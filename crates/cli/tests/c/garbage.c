/* Run only under Trapline: every syscall number, with hostile arguments
 * (NULL, small and kernel-half pointers, -1, huge lengths). Each must come
 * back with a value or an errno; calls that would end or wreck this very
 * process are skipped. Prints one line per call, then "done". */
#include <stdint.h>
#include "check.h"

static int skipped(long nr) {
    switch (nr) {
    case SYS_exit: case SYS_exit_group: case SYS_execve: case SYS_execveat:
    case SYS_mmap: case SYS_munmap: case SYS_mprotect: case SYS_mremap:
    case SYS_brk: case SYS_madvise: case SYS_arch_prctl: case SYS_rt_sigreturn:
    case SYS_kill: case SYS_tkill: case SYS_tgkill: case SYS_pause:
    case SYS_fork: case SYS_vfork: case SYS_clone: case SYS_clone3:
    case SYS_close: case SYS_close_range: case SYS_dup2: case SYS_dup3:
    case SYS_nanosleep: case SYS_clock_nanosleep: case SYS_futex:
    case SYS_rt_sigsuspend: case SYS_rt_sigtimedwait: case SYS_wait4:
    case SYS_waitid: case SYS_read: case SYS_readv: case SYS_pread64:
    case SYS_preadv: case SYS_preadv2: case SYS_select: case SYS_pselect6:
    case SYS_poll: case SYS_ppoll: case SYS_epoll_wait: case SYS_epoll_pwait:
    case SYS_epoll_pwait2: case SYS_setrlimit: case SYS_prlimit64:
    case SYS_set_tid_address: case SYS_rt_sigprocmask: case SYS_rt_sigaction:
        return 1;
    }
    return 0;
}

int main(void) {
    const uint64_t patterns[][6] = {
        {0, 0, 0, 0, 0, 0},
        {-1UL, -1UL, -1UL, -1UL, -1UL, -1UL},
        {0x10, 0x10, 0x10, 0x10, 0x10, 0x10},
        {0xffff800000000000UL, 1UL << 40, 0x7fffffffffffffffUL, 3, 0xffffffff, 8},
        {1, 0xffff800000000000UL, 4096, 0x7ff000000000UL, 0x7ff000001000UL, 2},
    };
    for (long nr = 0; nr < 460; nr++) {
        if (skipped(nr)) continue;
        for (unsigned p = 0; p < sizeof patterns / sizeof *patterns; p++) {
            const uint64_t *a = patterns[p];
            errno = 0;
            long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
            printf("%ld/%u %ld %s\n", nr, p, r, r < 0 ? errname(errno) : "");
        }
    }
    printf("done\n");
    return 0;
}
