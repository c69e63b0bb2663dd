/* Run only under Trapline: tries to change the host outside /tmp. Every
 * attempt must fail with the errors of a read-only file system. */
#include <fcntl.h>
#include <sys/stat.h>
#include "check.h"

int main(int argc, char **argv) {
    const char *victim = argv[1]; /* an existing host file */
    const char *dir = argv[2];    /* an existing host directory */
    char newpath[512];
    snprintf(newpath, sizeof newpath, "%s/created-by-guest", dir);
    SHOW(open(victim, O_WRONLY));
    SHOW(open(victim, O_RDWR | O_TRUNC));
    SHOW(open(victim, O_WRONLY | O_APPEND));
    SHOW(open(newpath, O_CREAT | O_WRONLY, 0644));
    SHOW(mkdir(newpath, 0755));
    SHOW(unlink(victim));
    SHOW(rename(victim, newpath));
    SHOW(rmdir(dir));
    SHOW(access(victim, W_OK));
    /* Through a /tmp path that walks back out with "..". */
    char up[512];
    snprintf(up, sizeof up, "/tmp/../%s", victim);
    SHOW(open(up, O_WRONLY));
    return 0;
}
