-- SLAs: stored business-hours calendars, policies with their conditions and targets, the
-- clocks that run per ticket and the event log they write (see docs/sla.md).

-- A calendar as cs_calendar_to_json() wrote it. `revision` grows with every replacement, so
-- a handle's cache of parsed calendars notices changes made by other handles and processes.
CREATE TABLE calendar (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    revision   INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Policies apply first-match by (position, id). reopen: 1 resume, 2 restart.
CREATE TABLE sla_policy (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    position      INTEGER NOT NULL,
    pause_pending INTEGER NOT NULL DEFAULT 1,
    pause_on_hold INTEGER NOT NULL DEFAULT 1,
    reopen        INTEGER NOT NULL DEFAULT 1,
    warn_percent  INTEGER NOT NULL DEFAULT 80,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX sla_policy_position ON sla_policy (position, id);

-- All conditions of a policy must match. kind: an enum cs_sla_condition_kind; value the
-- number it compares with, text the tag.
CREATE TABLE sla_condition (
    policy_id INTEGER NOT NULL REFERENCES sla_policy (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    kind      INTEGER NOT NULL,
    value     INTEGER NOT NULL,
    text      TEXT,
    PRIMARY KEY (policy_id, position)
) STRICT, WITHOUT ROWID;

-- metric: an enum cs_sla_metric; priority 0 applies to priorities without their own target.
CREATE TABLE sla_target (
    policy_id   INTEGER NOT NULL REFERENCES sla_policy (id) ON DELETE CASCADE,
    metric      INTEGER NOT NULL,
    priority    INTEGER NOT NULL,
    seconds     INTEGER NOT NULL,
    business    INTEGER NOT NULL,
    calendar_id INTEGER REFERENCES calendar (id),
    PRIMARY KEY (policy_id, metric, priority)
) STRICT, WITHOUT ROWID;

-- The current cycle of each clock of a ticket. state: 1 active (running), 2 paused,
-- 3 fulfilled, 4 cancelled. elapsed counts the (business) seconds run before resumed_at;
-- target and calendar_id are copied from the policy so the row alone gives the arithmetic.
CREATE TABLE ticket_sla (
    ticket_id    INTEGER NOT NULL REFERENCES ticket (id),
    metric       INTEGER NOT NULL,
    policy_id    INTEGER NOT NULL,
    state        INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    resumed_at   INTEGER,
    target       INTEGER NOT NULL,
    calendar_id  INTEGER,
    elapsed      INTEGER NOT NULL DEFAULT 0,
    target_at    INTEGER,
    warn_at      INTEGER,
    fulfilled_at INTEGER,
    warned_at    INTEGER,
    breached_at  INTEGER,
    PRIMARY KEY (ticket_id, metric)
) STRICT, WITHOUT ROWID;
-- The queue and the tick's breaches walk (state = 1, target_at); the tick's warnings warn_at.
CREATE INDEX ticket_sla_due ON ticket_sla (state, target_at);
-- What cs_tick() still has to record: only the clocks not yet warned (or breached), so a
-- tick costs what falls due, not what fell due before.
CREATE INDEX ticket_sla_warn ON ticket_sla (warn_at) WHERE state = 1 AND warned_at IS NULL;
CREATE INDEX ticket_sla_breach ON ticket_sla (target_at)
    WHERE state = 1 AND breached_at IS NULL;

-- Everything the clocks did, Zendesk-style metric events, so reports can be rebuilt.
-- kind: 1 applied, 2 started, 3 paused, 4 resumed, 5 fulfilled, 6 warned, 7 breached,
-- 8 cancelled.
CREATE TABLE sla_event (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES ticket (id),
    metric    INTEGER NOT NULL,
    kind      INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    target_at INTEGER,
    policy_id INTEGER
) STRICT;
CREATE INDEX sla_event_ticket ON sla_event (ticket_id, id);

-- Grows with every change to policies or calendars: the per-handle policy cache's check.
INSERT INTO counter (name, value) VALUES ('sla_revision', 0);
