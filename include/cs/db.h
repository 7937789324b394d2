/**
 * @file
 * The database handle.
 */
#ifndef CS_DB_H
#define CS_DB_H

#include "common.h"

CS_BEGIN_DECL

/** Flags for cs_db_open(). */
typedef enum cs_open_flags {
    CS_OPEN_READWRITE = 0,     /**< open an existing database for reading and writing */
    CS_OPEN_CREATE = 1 << 0,   /**< create the file if it does not exist */
    CS_OPEN_READONLY = 1 << 1, /**< open for reading only; every mutation fails with CS_EREADONLY */
    /**
     * Commit without waiting for the disk (`synchronous=NORMAL`) on this handle: a crash of
     * the process still loses nothing, but a power failure or an operating-system crash can
     * undo the handle's latest commits, customers' messages included (never half of one).
     * For hosts that can replay what they wrote (a re-runnable import, tests); the default
     * waits for the disk on every commit that matters. @since 0.2
     */
    CS_OPEN_RELAXED = 1 << 2
} cs_open_flags;

/**
 * Open (and with CS_OPEN_CREATE, create) a libcs database.
 *
 * `path` is a file name, or ":memory:" for a private in-memory database. A read-write open
 * brings the schema up to date, each migration in its own transaction; a database written
 * by a newer libcs is refused. The handle uses WAL journaling, enforces foreign keys and
 * retries inside the library while another handle or process holds the write lock.
 *
 * A handle and everything it hands out must be used by one thread at a time; open one
 * handle per thread. Handles in several threads and processes may share one file.
 *
 * @param[out] out the new handle, owned by the caller; release it with cs_db_close().
 *                 Set to NULL on failure.
 * @param path     file name or ":memory:", copied
 * @param flags    a combination of cs_open_flags
 * @return CS_OK; CS_EINVAL for a NULL or empty path or unknown flags; CS_ENOTFOUND if the
 *         file does not exist and CS_OPEN_CREATE was not given; CS_EVERSION if the schema is
 *         newer than this library (or older, on a read-only open); CS_EDB naming "path" if
 *         the file is not a libcs database or cannot be opened, or is empty (an existing
 *         empty file becomes a database only with CS_OPEN_CREATE); CS_EBUSY; CS_ENOMEM.
 * @since 0.1
 */
CS_EXTERN(int) cs_db_open(cs_db **out, const char *path, unsigned int flags);

/**
 * Close a handle and release everything it holds. An open atomic section is rolled back.
 * NULL is a no-op.
 *
 * @since 0.1
 */
CS_EXTERN(void) cs_db_close(cs_db *db);

/**
 * The file the handle was opened on.
 *
 * @return borrowed text, valid until cs_db_close()
 * @since 0.1
 */
CS_EXTERN(const char *) cs_db_path(const cs_db *db);

/**
 * The schema version of the open database (equal to cs_schema_version() after a
 * read-write open).
 *
 * @since 0.1
 */
CS_EXTERN(int) cs_db_schema_version(const cs_db *db);

/**
 * A clock: returns the current time in seconds since the epoch, UTC.
 * @param payload the pointer given to cs_db_set_clock()
 */
typedef cs_time (*cs_clock_fn)(void *payload);

/**
 * Replace the handle's clock. Every time libcs stamps (creation, audit, SLA) comes from
 * it, so tests and tools can drive time. Pass NULL to go back to the system clock.
 *
 * @param payload handed to `fn` on every call; not owned by libcs
 * @since 0.1
 */
CS_EXTERN(void) cs_db_set_clock(cs_db *db, cs_clock_fn fn, void *payload);

/**
 * The handle's current time (its clock, or the system clock).
 *
 * @since 0.1
 */
CS_EXTERN(cs_time) cs_db_now(cs_db *db);

/**
 * How long a call waits for another writer before it gives up with CS_EBUSY.
 * The default is 30000 ms; 0 gives up at once.
 *
 * The timeout is one budget per statement: SQLite's busy handler and libcs's own retries
 * (for the waits SQLite hands back without calling its handler) draw on the same deadline,
 * so a write that cannot get the lock fails after about `milliseconds` in all (before 0.2,
 * up to twice that). While it waits, the handle tries again every few milliseconds. It
 * applies from the next call on.
 *
 * @return CS_OK; CS_EINVAL for a NULL handle or a negative value
 * @since 0.1
 */
CS_EXTERN(int) cs_db_set_busy_timeout(cs_db *db, int milliseconds);

/**
 * Start an atomic section: every change until the matching cs_db_commit() becomes visible
 * at once, or not at all after cs_db_rollback(). Sections nest; only the outermost commit
 * makes changes durable. Every public mutation is already atomic on its own; inside a
 * section each call is a savepoint, so a call that fails undoes exactly itself and the
 * section goes on (for many calls at once, see cs_db_begin_bulk()).
 *
 * @return CS_OK; CS_EBUSY; CS_EREADONLY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_db_begin(cs_db *db);

/**
 * Start a bulk section: an outermost atomic section for many calls (an import), ended by
 * cs_db_commit() or cs_db_rollback() like any other. Inside a cs_db_begin() section every
 * call is a savepoint of its own, so that a failed call undoes exactly itself and the
 * section can go on; inside a bulk section calls open no savepoints, which makes a batch
 * faster, and a failure is the whole batch's:
 *
 * - A call that fails once it started its work in the database poisons the section: it
 *   returns its own error as usual; every later call that would change the database
 *   returns CS_ECONFLICT; cs_db_commit() rolls the whole section back and returns
 *   CS_ECONFLICT. Nothing of the batch is kept; the host knows which call failed, and may
 *   run the batch again without it, or in a cs_db_begin() section to keep the good calls.
 * - A call refused up front, on its arguments or the actor's rights, changes nothing and
 *   leaves the section as it was.
 *
 * Reads work throughout. A cs_db_begin() inside a bulk section opens a savepoint as usual;
 * rolling it back clears a failure inside it. The handle's page cache grows to 32 MiB for
 * bulk sections (as it fills) and shrinks back to 8 MiB when an ordinary section begins.
 *
 * @return CS_OK; CS_EINVAL if a section is already open on the handle; CS_EBUSY;
 *         CS_EREADONLY; CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_db_begin_bulk(cs_db *db);

/**
 * End the innermost atomic section, keeping its changes; one that a failed call poisoned
 * (see cs_db_begin_bulk()) is rolled back instead.
 *
 * @return CS_OK; CS_EINVAL if no section is open; CS_ECONFLICT (rolled back) after a call
 *         inside failed halfway; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_db_commit(cs_db *db);

/**
 * End the innermost atomic section, undoing its changes. The section is closed also when
 * the undo fails.
 *
 * @return CS_OK; CS_EINVAL if no section is open; CS_EDB (with SQLite's message) when the
 *         database refused the undo
 * @since 0.1
 */
CS_EXTERN(int) cs_db_rollback(cs_db *db);

/**
 * Change a database-wide setting (stored in the database, so every handle and process sees
 * it). Admins and system only. The settings, their defaults and ranges:
 *
 * - "ingest.subject_window": seconds within which a mail with broken threading headers
 *   joins the customer's open ticket with the same subject (604800; 0 turns it off)
 * - "outbox.max_attempts": claims before an outbox item is dead (8; 1..100)
 * - "outbox.backoff": first retry delay in seconds after a failure, doubled per attempt
 *   (60; 1..86400)
 * - "mail.auto_reply_limit": automatic mails (receipts) cs_ingest_mail() sends to one
 *   address per hour (3; 1..1000; @since 0.2)
 *
 * @return CS_OK; CS_EINVAL naming "name" (unknown) or "value" (out of range); CS_EPERM;
 *         CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_setting_set(cs_db *db, const char *name, int64_t value);

/**
 * Read a setting (its default when never set).
 *
 * @param[out] value the value
 * @return CS_OK; CS_EINVAL for an unknown name; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_setting_get(int64_t *value, cs_db *db, const char *name);

#define CS_PROGRESS_JOB_MAX 8192 /**< bytes of a job's name (a file's path fits) */
#define CS_PROGRESS_MAX 4096     /**< bytes of a recorded position */

/**
 * Record how far a resumable bulk job has come, in the database, so the record commits or
 * rolls back with the job's own work: called inside the atomic section of each batch, it
 * lets a re-run after a crash continue exactly after the last committed batch (csdesk
 * import does this). The job names the work (such as the path of the file being loaded);
 * the position is the job's own text (an offset, a line number, a checksum). Agents (not
 * light agents), admins and the system only.
 *
 * @param job      required, valid UTF-8, at most CS_PROGRESS_JOB_MAX bytes; copied
 * @param position at most CS_PROGRESS_MAX bytes of valid UTF-8, copied; NULL or "" forgets
 *                 the job (when it is done)
 * @return CS_OK; CS_EINVAL naming "job" or "position"; CS_EPERM; CS_EREADONLY; CS_EBUSY;
 *         CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_progress_set(cs_db *db, const char *job, const char *position);

/**
 * The position last recorded for a job by cs_progress_set().
 *
 * @param[out] position the text, owned by the caller (release it with cs_str_free()), or
 *                      NULL when nothing is recorded for the job
 * @return CS_OK; CS_EINVAL naming "job"; CS_EPERM for customers and light agents; CS_EDB;
 *         CS_ENOMEM
 * @since 0.2
 */
CS_EXTERN(int) cs_progress_get(char **position, cs_db *db, const char *job);

/** Who is acting: every change is recorded with its actor, and permissions follow it. */
typedef enum cs_actor_kind {
    CS_ACTOR_SYSTEM = 0,  /**< the host program itself (the default): may do everything */
    CS_ACTOR_AGENT = 1,   /**< an agent, with the rights of its role */
    CS_ACTOR_CUSTOMER = 2 /**< a customer: sees only its own (and shared organisation) tickets */
} cs_actor_kind;

/**
 * Set who acts through this handle from now on. The host calls this from its own
 * authenticated session; through cs_call() only the system may change the actor.
 *
 * - system: everything.
 * - agent with role admin: everything, including channels, agents, groups and policies.
 * - agent: every ticket, customer and message operation; not configuration. A group-scoped
 *   agent (CS_ACCESS_GROUPS) only the tickets of its groups and those assigned to it.
 * - light agent: reads everything and adds internal notes; changes no ticket field.
 * - customer: reads its own tickets (and its organisation's, where the organisation shares
 *   them) without internal notes, and writes public messages on them.
 * Anything else fails with CS_EPERM and changes nothing; an object the actor may not see
 * answers CS_ENOTFOUND, as a missing one. The full table is in docs/security.md. The
 * actor's rights (role, active flag, ticket access; a customer's merged or erased state)
 * are read again at the start of every call, so changes apply at once to every handle.
 *
 * @param kind a cs_actor_kind
 * @param id   the agent or customer id; ignored for CS_ACTOR_SYSTEM
 * @return CS_OK; CS_EINVAL for an unknown kind; CS_ENOTFOUND if the agent or customer does
 *         not exist; CS_EPERM for an inactive agent, or a merged or erased customer
 * @since 0.1
 */
CS_EXTERN(int) cs_db_set_actor(cs_db *db, int kind, int64_t id);

/**
 * The actor set on the handle.
 *
 * @param[out] id the agent or customer id (0 for system); may be NULL
 * @return a cs_actor_kind
 * @since 0.1
 */
CS_EXTERN(int) cs_db_actor(const cs_db *db, int64_t *id);

CS_END_DECL

#endif
