/* Not a differential program: blocks for ever reading an empty pipe whose
 * write end it holds itself, until a signal ends it (Ctrl-C). */
#include "check.h"

int main(void) {
    int p[2];
    char c;
    if (pipe(p) != 0)
        return 1;
    printf("waiting\n");
    fflush(stdout);
    long n = read(p[0], &c, 1);
    printf("read returned %ld %s\n", n, n < 0 ? errname(errno) : "");
    return 2;
}
