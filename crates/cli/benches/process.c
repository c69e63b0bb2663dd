/* The guest side of the process benchmarks: N iterations of one operation,
 * timed with the vDSO clock, result on stdout as "ns_per_op X".
 *   fork: fork + _exit + waitpid      exec: fork + execve(/bin/true) + waitpid */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
    const char *op = argc > 1 ? argv[1] : "fork";
    long n = argc > 2 ? atol(argv[2]) : 100;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        pid_t c = fork();
        if (c == 0) {
            if (strcmp(op, "exec") == 0) {
                char *args[] = {"/bin/true", NULL};
                execv(args[0], args);
            }
            _exit(0);
        }
        int st;
        waitpid(c, &st, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    printf("ns_per_op %.0f\n", ns / n);
    return 0;
}
