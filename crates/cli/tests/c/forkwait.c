/* A parent that forks a child and waits for it (for --trace with several
 * processes). */
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    write(1, "parent\n", 7);
    pid_t c = fork();
    if (c == 0) {
        usleep(200000); /* the parent is in wait4 by then */
        write(1, "child\n", 6);
        _exit(3);
    }
    int st;
    waitpid(c, &st, 0);
    write(1, "done\n", 5);
    return WEXITSTATUS(st);
}
