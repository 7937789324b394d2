#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <ftw.h>
#include <unistd.h>

#include "helpers.h"

cs_time t_now = 1772442000; /* 2026-03-02T09:00:00Z */

cs_time t_clock(void *payload)
{
    (void)payload;
    return t_now;
}

static char dir[256];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_dir(void)
{
    if (dir[0])
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

char *t_path(const char *name)
{
    char *path;

    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/libcs-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        atexit(remove_dir);
    }
    path = malloc(strlen(dir) + strlen(name) + 2);
    ck_assert_ptr_nonnull(path);
    sprintf(path, "%s/%s", dir, name);
    unlink(path);
    return path;
}

cs_db *t_open_memory(void)
{
    cs_db *db = NULL;
    ck_assert_ok(cs_db_open(&db, ":memory:", CS_OPEN_CREATE));
    cs_db_set_clock(db, t_clock, NULL);
    return db;
}
