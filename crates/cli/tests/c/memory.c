/* Memory: anonymous and file mappings, mprotect, mremap, brk, madvise. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "check.h"

int main(void) {
    long page = sysconf(_SC_PAGESIZE);
    printf("page %ld\n", page);
    char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SHOW(p != MAP_FAILED);
    SHOW(p[0] + p[4 * page - 1]); /* fresh memory is zero */
    memset(p, 'x', 4 * page);
    SHOW(mprotect(p, page, PROT_READ));
    SHOW(munmap(p + page, page));
    SHOW(madvise(p + 2 * page, page, MADV_DONTNEED));
    SHOW(p[2 * page]); /* DONTNEED on private anonymous memory zeroes it */
    SHOW(p[3 * page]);
    char *q = mremap(p + 2 * page, 2 * page, 8 * page, MREMAP_MAYMOVE);
    SHOW(q != MAP_FAILED);
    SHOW(q[page]);
    q[8 * page - 1] = 1;
    SHOW(munmap(q, 8 * page));
    SHOW(munmap(p, page));
    /* A file mapping sees the file's bytes. */
    int fd = open("/usr/include/stdio.h", O_RDONLY);
    char *f = mmap(NULL, 100, PROT_READ, MAP_PRIVATE, fd, 0);
    SHOW(f != MAP_FAILED);
    char buf[32];
    pread(fd, buf, 32, 0);
    SHOW(memcmp(f, buf, 32));
    SHOW(munmap(f, 100));
    /* Private writable copy of a file. */
    f = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    f[0] = '!';
    pread(fd, buf, 1, 0);
    SHOW(buf[0] != '!');
    close(fd);
    /* The heap grows with brk (musl's sbrk only reports the break) and
     * malloc works at many sizes. */
#ifdef __GLIBC__
    void *b0 = sbrk(0);
    SHOW(sbrk(1 << 20) == b0);
    SHOW((char *)sbrk(0) - (char *)b0);
    memset(b0, 1, 1 << 20);
    SHOW(brk(b0));
    SHOW(sbrk(0) == b0);
#else
    SHOW(syscall(SYS_brk, 0) != 0);
#endif
    long sum = 0;
    for (int i = 1; i < 2000; i++) {
        char *m = malloc(i * 37);
        memset(m, i, i * 37);
        sum += m[i * 37 - 1];
        if (i % 3) free(m);
    }
    printf("sum %ld\n", sum);
    char *huge = malloc(64 << 20);
    SHOW(huge != NULL);
    huge[(64 << 20) - 1] = 1;
    free(huge);
    return 0;
}
