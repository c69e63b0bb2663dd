/* Helpers for differential test programs: print each call's result and
 * errno name, so native and Trapline runs can be compared line by line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#define SHOW(expr)                                                            \
    do {                                                                      \
        errno = 0;                                                            \
        long r_ = (long)(expr);                                               \
        printf("%-60s = %ld %s\n", #expr, r_,                                 \
               r_ < 0 ? strerrorname_np(errno) : "");                         \
    } while (0)

#define BAD_PTR ((void *)0x10)
