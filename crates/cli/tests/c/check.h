/* Helpers for differential test programs: print each call's result and
 * errno name, so native and Trapline runs can be compared line by line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

/* errno names without glibc's strerrorname_np, so musl builds work too. */
static const char *errname(int e) {
    switch (e) {
#define E(x) case x: return #x;
    E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC)
    E(EBADF) E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY)
    E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE)
    E(EMFILE) E(ENOTTY) E(ETXTBSY) E(EFBIG) E(ENOSPC) E(ESPIPE) E(EROFS)
    E(EMLINK) E(EPIPE) E(ERANGE) E(EDEADLK) E(ENAMETOOLONG) E(ENOSYS)
    E(ENOTEMPTY) E(ELOOP) E(ENODATA) E(EOVERFLOW) E(EOPNOTSUPP) E(ETIMEDOUT)
#undef E
    default: return "E?";
    }
}

#define SHOW(expr)                                                            \
    do {                                                                      \
        errno = 0;                                                            \
        long r_ = (long)(expr);                                               \
        printf("%-60s = %ld %s\n", #expr, r_,                                 \
               r_ < 0 ? errname(errno) : "");                         \
    } while (0)

#define BAD_PTR ((void *)0x10)
