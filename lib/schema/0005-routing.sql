-- Routing and workload (see docs/routing.md): agents' presence and capacity per channel
-- kind, each group's assignment strategy, transfers, callback windows, and the queue order
-- of unassigned tickets kept in the ticket row so one partial index serves the pick.

-- Assignee or group changes of a ticket that already had one (cs_route__on_assign).
ALTER TABLE ticket ADD COLUMN transfers INTEGER NOT NULL DEFAULT 0;
-- When the current assignee got the ticket; handle time runs from here to solved_at.
ALTER TABLE ticket ADD COLUMN assigned_at INTEGER;
-- A callback request's window (P13): not offered before callback_from.
ALTER TABLE ticket ADD COLUMN callback_from INTEGER;
ALTER TABLE ticket ADD COLUMN callback_to INTEGER;
-- The earliest running SLA deadline, kept by the triggers below from ticket_sla.
ALTER TABLE ticket ADD COLUMN route_due INTEGER;
-- The queue order: tier 0 callbacks by window start, 1 tickets by their earliest SLA
-- deadline, 2 the rest by creation time; ties by id.
ALTER TABLE ticket ADD COLUMN route_tier INTEGER GENERATED ALWAYS AS
    (CASE WHEN callback_from IS NOT NULL THEN 0 WHEN route_due IS NOT NULL THEN 1 ELSE 2 END)
    VIRTUAL;
ALTER TABLE ticket ADD COLUMN route_key INTEGER GENERATED ALWAYS AS
    (coalesce(callback_from, route_due, created_at)) VIRTUAL;
-- The pick (cs_route_next) and the backlog (cs_route_estimated_wait) walk this index.
CREATE INDEX ticket_route ON ticket (group_id, route_tier, route_key, id)
    WHERE assignee_id IS NULL AND status IN (1, 2);

-- "+state": the ticket's own few clocks by the primary key, never a walk of ticket_sla_due
-- (state, target_at), which the planner would otherwise pick for min(target_at).
CREATE TRIGGER ticket_sla_route_insert AFTER INSERT ON ticket_sla BEGIN
    UPDATE ticket SET route_due = (SELECT min(target_at) FROM ticket_sla
        WHERE ticket_id = NEW.ticket_id AND +state = 1) WHERE id = NEW.ticket_id;
END;
CREATE TRIGGER ticket_sla_route_update AFTER UPDATE OF state, target_at ON ticket_sla BEGIN
    UPDATE ticket SET route_due = (SELECT min(target_at) FROM ticket_sla
        WHERE ticket_id = NEW.ticket_id AND +state = 1) WHERE id = NEW.ticket_id;
END;
CREATE TRIGGER ticket_sla_route_delete AFTER DELETE ON ticket_sla BEGIN
    UPDATE ticket SET route_due = (SELECT min(target_at) FROM ticket_sla
        WHERE ticket_id = OLD.ticket_id AND +state = 1) WHERE id = OLD.ticket_id;
END;

-- presence: 1 online, 2 away, 3 offline (no row: offline). last_assigned orders agents by
-- their latest assignment (a number from the route_assignments counter, 0 for never).
CREATE TABLE agent_route (
    agent_id      INTEGER PRIMARY KEY REFERENCES agent (id),
    presence      INTEGER NOT NULL DEFAULT 3,
    last_assigned INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
) STRICT;

-- How many new or open tickets of a channel kind an agent takes at once (no row: no limit).
CREATE TABLE agent_capacity (
    agent_id     INTEGER NOT NULL REFERENCES agent (id),
    channel_kind INTEGER NOT NULL,
    capacity     INTEGER NOT NULL,
    PRIMARY KEY (agent_id, channel_kind)
) STRICT, WITHOUT ROWID;

-- strategy: 1 manual, 2 round robin, 3 least loaded, 4 skills first (no row: manual).
CREATE TABLE group_route (
    group_id       INTEGER PRIMARY KEY REFERENCES agent_group (id),
    strategy       INTEGER NOT NULL,
    match_language INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO counter (name, value) VALUES ('route_assignments', 0);
