/* Socket calls on fds that are not sockets: EBADF or ENOTSOCK before any
 * other argument is looked at. */
#include <fcntl.h>
#include <sys/socket.h>
#include "check.h"

int main(void) {
    int f = open("/etc/hostname", O_RDONLY);
    int p[2];
    pipe(p);
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    int v;
    SHOW(getpeername(f, (struct sockaddr *)&sa, &len));
    SHOW(getpeername(p[0], BAD_PTR, BAD_PTR));
    SHOW(getpeername(99, (struct sockaddr *)&sa, &len));
    SHOW(getpeername(-1, (struct sockaddr *)&sa, &len));
    SHOW(getsockname(f, (struct sockaddr *)&sa, &len));
    SHOW(getsockopt(p[1], SOL_SOCKET, SO_TYPE, &v, &len));
    SHOW(setsockopt(f, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
    SHOW(shutdown(p[0], SHUT_RDWR));
    SHOW(shutdown(77, 99));
    return 0;
}
