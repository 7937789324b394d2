/*
 * A fair ceiling for a libcs benchmark: the row changes a libcs connection commits, captured
 * through SQLite's pre-update hook in an untimed run, then replayed into a copy of the
 * starting database with plain prepared statements (BEGIN, INSERT/UPDATE/DELETE by rowid or
 * primary key, COMMIT), grouped into transactions the way the timed libcs run groups them.
 *
 * Capture (one process): replay_capture_arm() before the libcs handle opens; after the setup
 * that is not measured, replay_capture_start(); replay_capture_mark() after each unit of work
 * (one message); at the end, with the handle closed, replay_capture_finish().
 */
#ifndef BENCH_REPLAY_H
#define BENCH_REPLAY_H

/* Installs the hooks on the next connection that opens (the libcs handle). */
int replay_capture_arm(void);

/* From here on the hooked connection's committed changes are written to `capture`; `start`
 * gets a copy of the database as it is now, without its triggers (their effects are
 * captured as rows). */
int replay_capture_start(const char *capture, const char *start);

/* One unit of work is done (and committed). */
int replay_capture_mark(void);

struct replay_capture_stats {
    double changes, txns; /* row changes and committed transactions per unit */
    long rollbacks;       /* transactions rolled back with changes: not replayed */
    long noops;           /* updates that left their row as it was: not replayed */
};

/* Appends every table's row count and content hash from the database at `path` (closed by
 * libcs) for the replay to check against, and closes the capture. */
int replay_capture_finish(struct replay_capture_stats *stats, const char *path);

struct replay_result {
    double rate; /* units per second over the first `units` */
    long wal;    /* bytes the WAL grew over the `wal_units` after a truncating checkpoint */
};

/* Replays `capture` into the database at `path` (a copy of the captured start): `per_commit`
 * units per transaction, timed over the first `units`, then `wal_units` more for the WAL
 * bytes (grouped anew from there, as the libcs modes do). Fails unless every table ends with
 * the rows the captured database has. */
int replay_run(struct replay_result *out, const char *path, const char *capture, long units,
               long wal_units, long per_commit);

/* Copies a closed database file (no WAL) to `to`. */
int replay_copy_file(const char *from, const char *to);

#endif
