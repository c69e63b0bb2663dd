/* execve from the guest: its errors, then a successful exec that replaces
 * the program (argv, envp and open fds carried over, O_CLOEXEC ones closed). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "check.h"

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        printf("child: argc=%d argv2=%s env=%s\n", argc, argv[2], getenv("EXEC_TEST"));
        printf("fd 5 open: %d, fd 6 open: %d\n", fcntl(5, F_GETFD) >= 0, fcntl(6, F_GETFD) >= 0);
        return 9;
    }
    char *args[] = {"x", NULL};
    char *env[] = {NULL};
    SHOW(execve("/nonexistent/prog", args, env));
    SHOW(execve("/usr/include/stdio.h", args, env));          /* not executable */
    SHOW(execve("/usr/include", args, env));                  /* a directory */
    SHOW(execve("/usr/include/stdio.h/x", args, env));
    SHOW(execve("", args, env));
    SHOW(syscall(SYS_execve, "/bin/true", BAD_PTR, env));
    SHOW(syscall(SYS_execve, "/bin/true", args, BAD_PTR));
    /* An executable that is not ELF and has no #!: ENOEXEC (the file is made
     * by the test in a directory given as argv[1]). */
    if (argc > 1) {
        char junk[512];
        snprintf(junk, sizeof junk, "%s/junk", argv[1]);
        SHOW(execve(junk, args, env));
    }
    dup2(1, 5);
    int fd = open("/usr/include/stdio.h", O_RDONLY | O_CLOEXEC);
    dup2(fd, 6);
    fcntl(6, F_SETFD, FD_CLOEXEC);
    fflush(stdout);
    char *cargs[] = {argv[0], "child", "second arg", NULL};
    char *cenv[] = {"EXEC_TEST=carried", NULL};
    execve(argv[0], cargs, cenv);
    printf("exec failed: %s\n", strerror(errno));
    return 1;
}
