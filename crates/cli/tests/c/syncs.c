/* sync, syncfs, sync_file_range, readahead: results and errors on files,
 * directories, pipes, O_PATH and write-only fds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include "check.h"

int main(void) {
    char path[] = "/tmp/syncs-XXXXXX";
    int f = mkstemp(path);
    write(f, "data", 4);
    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    int p[2];
    pipe(p);
    int op = open(path, O_PATH);
    int wo = open(path, O_WRONLY);
    sync();
    SHOW(syncfs(f));
    SHOW(syncfs(d));
    SHOW(syncfs(p[0]));
    SHOW(syncfs(op));
    SHOW(syncfs(-1));
    SHOW(sync_file_range(f, 0, 4, SYNC_FILE_RANGE_WRITE));
    SHOW(sync_file_range(f, 0, 0, 0));
    SHOW(sync_file_range(f, 0, 4, 8));
    SHOW(sync_file_range(f, -1, 4, 0));
    SHOW(sync_file_range(f, 0, -4, 0));
    SHOW(sync_file_range(f, INT64_MAX, 1, 0));
    SHOW(sync_file_range(d, 0, 4, 0));
    SHOW(sync_file_range(p[1], 0, 4, 0));
    SHOW(sync_file_range(op, 0, 4, 0));
    SHOW(sync_file_range(99, 0, 4, 0));
    SHOW(readahead(f, 0, 4096));
    SHOW(readahead(f, -5, 4096));
    SHOW(readahead(wo, 0, 4096));
    SHOW(readahead(d, 0, 4096));
    SHOW(readahead(p[0], 0, 4096));
    SHOW(readahead(op, 0, 4096));
    SHOW(readahead(-1, 0, 4096));
    SHOW(readahead(f, 0, (size_t)-1));
    unlink(path);
    return 0;
}
