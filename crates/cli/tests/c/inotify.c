/* inotify on a directory made in /tmp and on a file in it: the events of
 * create, open, write, close, rename, chmod, read, unlink, mkdir, rmdir,
 * with names, IN_ISDIR and move cookies; the errors; queue reads. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include "check.h"

static int dir_wd, file_wd;
static uint32_t last_cookie;

static void mask_names(uint32_t m) {
    static const struct { uint32_t bit; const char *name; } names[] = {
        {IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"},
        {IN_CLOSE_WRITE, "CLOSE_WRITE"}, {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"},
        {IN_OPEN, "OPEN"}, {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"},
        {IN_CREATE, "CREATE"}, {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"},
        {IN_MOVE_SELF, "MOVE_SELF"}, {IN_IGNORED, "IGNORED"}, {IN_ISDIR, "ISDIR"},
        {IN_Q_OVERFLOW, "Q_OVERFLOW"},
    };
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        if (m & names[i].bit)
            printf(" %s", names[i].name);
}

/* Reads and prints every queued event. */
static void drain(int fd, const char *step) {
    char buf[4096] __attribute__((aligned(8)));
    printf("-- %s\n", step);
    for (;;) {
        long n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno != EAGAIN)
                printf("read: %s\n", errname(errno));
            return;
        }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            printf("%s", e->wd == dir_wd ? "dir" : e->wd == file_wd ? "file" : "?");
            mask_names(e->mask);
            if (e->len)
                printf(" name=%s", e->name);
            if (e->mask & IN_MOVED_FROM)
                last_cookie = e->cookie;
            if (e->mask & IN_MOVED_TO)
                printf(" cookie-matches=%d", e->cookie == last_cookie && e->cookie != 0);
            printf("\n");
            p += sizeof *e + e->len;
        }
    }
}

int main(void) {
    char d[] = "/tmp/inotify-XXXXXX", p[256], q[256];
    if (!mkdtemp(d))
        return 2;
    SHOW(inotify_init1(0x4000000));
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    SHOW(in >= 0);
    SHOW(fcntl(in, F_GETFD));
    SHOW(inotify_add_watch(99, d, IN_CREATE));
    SHOW(inotify_add_watch(0, d, IN_CREATE));
    SHOW(inotify_add_watch(in, "/nonexistent", IN_CREATE));
    SHOW(inotify_add_watch(in, BAD_PTR, IN_CREATE));
    SHOW(inotify_add_watch(in, d, IN_MASK_ADD | IN_MASK_CREATE | IN_CREATE));
    SHOW(inotify_add_watch(in, "/etc/hostname", IN_ONLYDIR | IN_MODIFY));
    SHOW(inotify_rm_watch(in, 12345));
    SHOW(inotify_rm_watch(0, 1));
    char small[8];
    SHOW(read(in, small, sizeof small));

    dir_wd = inotify_add_watch(in, d, IN_ALL_EVENTS & ~IN_ACCESS);
    SHOW(dir_wd > 0);
    SHOW(inotify_add_watch(in, d, IN_ALL_EVENTS & ~IN_ACCESS) == dir_wd);
    SHOW(inotify_add_watch(in, d, IN_MASK_CREATE | IN_CREATE));

    snprintf(p, sizeof p, "%s/a", d);
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    write(fd, "x", 1);
    write(fd, "y", 1);
    close(fd);
    drain(in, "create, two writes, close");
    snprintf(q, sizeof q, "%s/b", d);
    SHOW(rename(p, q));
    SHOW(chmod(q, 0600));
    fd = open(q, O_RDONLY);
    read(fd, small, 1);
    close(fd);
    drain(in, "rename, chmod, read");
    file_wd = inotify_add_watch(in, q, IN_ALL_EVENTS);
    SHOW(file_wd > 0 && file_wd != dir_wd);
    fd = open(q, O_WRONLY | O_APPEND);
    write(fd, "z", 1);
    int bytes = -1;
    SHOW(ioctl(in, FIONREAD, &bytes));
    printf("FIONREAD > 0: %d\n", bytes > 0);
    struct pollfd pfd = {in, POLLIN, 0};
    SHOW(poll(&pfd, 1, 0));
    SHOW(read(in, small, sizeof small));
    close(fd);
    drain(in, "file watch: open, write, close");
    SHOW(unlink(q));
    drain(in, "unlink");
    snprintf(p, sizeof p, "%s/sub", d);
    SHOW(mkdir(p, 0755));
    SHOW(rmdir(p));
    SHOW(symlink("target", q));
    SHOW(unlink(q));
    drain(in, "mkdir, rmdir, symlink, unlink");
    SHOW(inotify_rm_watch(in, dir_wd));
    SHOW(inotify_rm_watch(in, dir_wd));
    drain(in, "rm_watch");
    SHOW(poll(&pfd, 1, 0));
    SHOW(rmdir(d));
    return 0;
}
