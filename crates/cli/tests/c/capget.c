#define _GNU_SOURCE
/* capget: the version handshake, errors, and the sets of this process, of
 * its child and of a child that became another user. */
#include <stdint.h>
#include <sys/wait.h>
#include "check.h"

/* <linux/capability.h>'s, which musl's headers do not have. */
#define _LINUX_CAPABILITY_VERSION_1 0x19980330
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
struct __user_cap_header_struct {
    uint32_t version;
    int pid;
};
struct __user_cap_data_struct {
    uint32_t effective, permitted, inheritable;
};

static long capget_(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d) {
    return syscall(SYS_capget, h, d);
}

static void show(const char *who, pid_t pid) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
    struct __user_cap_data_struct d[2] = {0};
    long r = capget_(&h, d);
    printf("%s: %ld eff=%08x%08x prm=%08x%08x inh=%08x%08x\n", who, r, d[1].effective,
           d[0].effective, d[1].permitted, d[0].permitted, d[1].inheritable, d[0].inheritable);
}

int main(void) {
    struct __user_cap_header_struct h = {0x12345678, 0};
    struct __user_cap_data_struct d[2];
    SHOW(capget_(&h, NULL));
    printf("preferred version %#x\n", h.version);
    h.version = 0x12345678;
    SHOW(capget_(&h, d));
    printf("preferred version %#x\n", h.version);
    SHOW(capget_(BAD_PTR, d));
    h.version = _LINUX_CAPABILITY_VERSION_3;
    SHOW(capget_(&h, BAD_PTR));
    SHOW(capget_(&h, NULL));
    h.pid = -1;
    SHOW(capget_(&h, d));
    h.pid = 99999;
    SHOW(capget_(&h, d));
    h.version = _LINUX_CAPABILITY_VERSION_1;
    h.pid = 0;
    SHOW(capget_(&h, d));
    show("self", 0);
    show("self by pid", getpid());
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        show("child", 0);
        if (setresuid(65534, 65534, 65534) == 0)
            show("as nobody", 0);
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    return 0;
}
