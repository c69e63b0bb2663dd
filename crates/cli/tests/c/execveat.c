/* execveat: relative to a directory fd, AT_EMPTY_PATH on an fd (also
 * O_PATH), AT_SYMLINK_NOFOLLOW, scripts through an fd (ENOENT when the fd
 * is close-on-exec), the names the new program sees (argv, AT_EXECFN,
 * comm), and the errors. */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

#ifndef SYS_execveat
#define SYS_execveat 322
#endif

static char self[PATH_MAX], dir[PATH_MAX], base[PATH_MAX];
static char *const envp[] = {"EXECVEAT=1", NULL};

static int execveat_(int fd, const char *path, char *const argv[], int flags) {
    return syscall(SYS_execveat, fd, path, argv, envp, flags);
}

/* What the new program prints about itself. */
static int report(char **argv) {
    char comm[32] = "";
    FILE *f = fopen("/proc/self/comm", "r");
    if (f) {
        fgets(comm, sizeof comm, f);
        fclose(f);
    }
    comm[strcspn(comm, "\n")] = 0;
    char exe[PATH_MAX] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    /* The run's own path differs natively and under Trapline only in
     * the scratch directory; show what follows it. */
    if (strncmp(execfn, dir, strlen(dir)) == 0)
        execfn += strlen(dir);
    else if (strncmp(execfn, "/tmp/", 5) == 0)
        execfn = strrchr(execfn, '/') + 1;
    printf("  ran: argv1=%s execfn=%s comm=%s exe=%s env=%s\n", argv[2], execfn, comm,
           basename(exe), getenv("EXECVEAT") ? "set" : "unset");
    return 0;
}

/* Runs one execveat in a child and shows its result or the program's. */
#define TRY(fd, path, flags, what)                                            \
    do {                                                                      \
        printf("%s\n", what);                                                 \
        pid_t c_ = fork();                                                    \
        if (c_ == 0) {                                                        \
            char *argv_[] = {"prog", "child", what, NULL};                    \
            errno = 0;                                                        \
            int r_ = execveat_(fd, path, argv_, flags);                       \
            printf("  = %d %s\n", r_, errname(errno));                        \
            _exit(0);                                                         \
        }                                                                     \
        int st_;                                                              \
        waitpid(c_, &st_, 0);                                                 \
    } while (0)

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    strcpy(dir, self);
    strcpy(dir, dirname(dir));
    strcat(dir, "/");
    strcpy(base, self + strlen(dir));
    if (argc > 2 && strcmp(argv[1], "child") == 0)
        return report(argv);

    /* Fixtures in /tmp (private under Trapline, shared natively). */
    char tmp[64], link[96], script[96], plain[96];
    snprintf(tmp, sizeof tmp, "/tmp/execveat-%d", getpid());
    mkdir(tmp, 0755);
    snprintf(link, sizeof link, "%s/link", tmp);
    snprintf(script, sizeof script, "%s/script", tmp);
    snprintf(plain, sizeof plain, "%s/plain", tmp);
    symlink(self, link);
    int s = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    const char *text = "#!/bin/sh\nread c < /proc/$$/comm; echo \"  script: \\$0=$0 $1 comm=$c\"\n";
    write(s, text, strlen(text));
    close(s);
    s = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(s, "x", 1);
    close(s);

    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    int fd = open(self, O_RDONLY);
    int pfd = open(self, O_PATH);
    int cfd = open(self, O_RDONLY | O_CLOEXEC);
    int sfd = open(script, O_RDONLY);
    int scfd = open(script, O_RDONLY | O_CLOEXEC);
    int tmpfd = open(tmp, O_RDONLY | O_DIRECTORY);
    int pipefd[2];
    pipe(pipefd);
    /* Fixed fd numbers: they show in /dev/fd/N names. */
    dup2(dfd, 20);
    dup2(fd, 21);
    dup2(pfd, 22);
    dup2(cfd, 23);
    fcntl(23, F_SETFD, FD_CLOEXEC);
    dup2(sfd, 24);
    dup2(scfd, 25);
    fcntl(25, F_SETFD, FD_CLOEXEC);
    dup2(tmpfd, 26);
    dup2(pipefd[0], 27);

    TRY(AT_FDCWD, self, 0, "absolute path");
    TRY(20, base, 0, "relative to a directory fd");
    TRY(20, self, 0, "absolute path ignores the fd");
    TRY(21, "", AT_EMPTY_PATH, "AT_EMPTY_PATH on the file");
    TRY(22, "", AT_EMPTY_PATH, "AT_EMPTY_PATH on an O_PATH fd");
    TRY(23, "", AT_EMPTY_PATH, "AT_EMPTY_PATH on a close-on-exec fd");
    TRY(AT_FDCWD, link, 0, "through a symlink");
    TRY(AT_FDCWD, link, AT_SYMLINK_NOFOLLOW, "symlink with AT_SYMLINK_NOFOLLOW");
    TRY(20, base, AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW on a plain file");
    TRY(24, "", AT_EMPTY_PATH, "a script through its fd");
    TRY(25, "", AT_EMPTY_PATH, "a script through a close-on-exec fd");
    TRY(26, "script", 0, "a script relative to its directory");

    TRY(21, "", 0, "empty path without AT_EMPTY_PATH");
    TRY(21, "", 0x1, "empty path, bad flags");
    TRY(21, "", AT_EMPTY_PATH | 0x1, "bad flags");
    TRY(99, base, 0, "bad dirfd");
    TRY(99, "", AT_EMPTY_PATH, "bad fd with AT_EMPTY_PATH");
    TRY(21, base, 0, "relative to a file fd");
    TRY(20, "", AT_EMPTY_PATH, "AT_EMPTY_PATH on a directory");
    TRY(AT_FDCWD, "", AT_EMPTY_PATH, "AT_EMPTY_PATH with AT_FDCWD");
    TRY(27, "", AT_EMPTY_PATH, "AT_EMPTY_PATH on a pipe");
    TRY(AT_FDCWD, plain, 0, "not executable");
    TRY(26, "nonexistent", 0, "missing");
    TRY(AT_FDCWD, (const char *)BAD_PTR, 0, "bad path pointer");

    char **volatile bad = BAD_PTR;
    printf("execve, bad argv pointer for a missing file\n");
    SHOW(execve("/nonexistent", bad, NULL));
    printf("execve, bad argv pointer for a real file\n");
    SHOW(execve(self, bad, NULL));
    unlink(link);
    unlink(script);
    unlink(plain);
    rmdir(tmp);
    return 0;
}
