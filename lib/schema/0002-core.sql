-- The core objects: organisations, customers and their identities, agents and groups,
-- channels, tickets with tags, messages with attachments, merges, and the audit trail.
-- Times are seconds since the epoch (UTC); enums are the integer values of the public
-- headers; custom fields are JSON object text with sorted keys.

CREATE TABLE counter (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO counter (name, value) VALUES ('ticket_number', 0);

CREATE TABLE organization (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    shared_tickets INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE customer (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    organization_id INTEGER REFERENCES organization (id),
    locale          TEXT NOT NULL DEFAULT 'en',
    timezone        TEXT,
    custom          TEXT NOT NULL DEFAULT '{}',
    merged_into     INTEGER REFERENCES customer (id),
    erased_at       INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX customer_organization ON customer (organization_id) WHERE organization_id IS NOT NULL;

CREATE TABLE customer_tag (
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    tag         TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
) STRICT, WITHOUT ROWID;

CREATE TABLE identity (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    kind        INTEGER NOT NULL,
    value       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, value)
) STRICT;
CREATE INDEX identity_customer ON identity (customer_id);

CREATE TABLE agent (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    initials   TEXT NOT NULL,
    email      TEXT UNIQUE,
    avatar_url TEXT,
    role       INTEGER NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE agent_skill (
    agent_id INTEGER NOT NULL REFERENCES agent (id),
    skill    TEXT NOT NULL,
    PRIMARY KEY (agent_id, skill)
) STRICT, WITHOUT ROWID;

CREATE TABLE agent_group (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE group_member (
    group_id INTEGER NOT NULL REFERENCES agent_group (id),
    agent_id INTEGER NOT NULL REFERENCES agent (id),
    PRIMARY KEY (group_id, agent_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_member_agent ON group_member (agent_id);

CREATE TABLE channel (
    id               INTEGER PRIMARY KEY,
    kind             INTEGER NOT NULL,
    name             TEXT NOT NULL UNIQUE,
    address          TEXT,
    public           INTEGER NOT NULL DEFAULT 0,
    signature        INTEGER NOT NULL DEFAULT 0,
    default_group_id INTEGER REFERENCES agent_group (id),
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE ticket (
    id          INTEGER PRIMARY KEY,
    number      INTEGER NOT NULL UNIQUE,
    subject     TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    channel_id  INTEGER REFERENCES channel (id),
    status      INTEGER NOT NULL,
    priority    INTEGER NOT NULL,
    type        INTEGER NOT NULL,
    group_id    INTEGER REFERENCES agent_group (id),
    assignee_id INTEGER REFERENCES agent (id),
    custom      TEXT NOT NULL DEFAULT '{}',
    merged_into INTEGER REFERENCES ticket (id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    solved_at   INTEGER,
    closed_at   INTEGER
) STRICT;
CREATE INDEX ticket_status ON ticket (status);
CREATE INDEX ticket_customer ON ticket (customer_id);
CREATE INDEX ticket_assignee ON ticket (assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX ticket_group ON ticket (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX ticket_channel ON ticket (channel_id);
CREATE INDEX ticket_created ON ticket (created_at);

CREATE TABLE ticket_tag (
    ticket_id INTEGER NOT NULL REFERENCES ticket (id),
    tag       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticket_tag_tag ON ticket_tag (tag, ticket_id);

CREATE TABLE message (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES ticket (id),
    direction   INTEGER NOT NULL,
    visibility  INTEGER NOT NULL,
    channel_id  INTEGER REFERENCES channel (id),
    author_kind INTEGER NOT NULL,
    author_id   INTEGER,
    subject     TEXT,
    body        TEXT NOT NULL,
    external_id TEXT,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX message_ticket ON message (ticket_id);
CREATE UNIQUE INDEX message_external ON message (channel_id, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE attachment (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES message (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    storage_ref  TEXT,
    data         BLOB
) STRICT;
CREATE INDEX attachment_message ON attachment (message_id);

-- A customer merge, kept so it can be undone: what moved from `merged_id` to `survivor_id`.
CREATE TABLE customer_merge (
    id          INTEGER PRIMARY KEY,
    survivor_id INTEGER NOT NULL REFERENCES customer (id),
    merged_id   INTEGER NOT NULL REFERENCES customer (id),
    moved       TEXT NOT NULL,
    merged_at   INTEGER NOT NULL,
    undone_at   INTEGER
) STRICT;
CREATE INDEX customer_merge_merged ON customer_merge (merged_id);

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_kind  INTEGER NOT NULL,
    actor_id    INTEGER,
    object      TEXT NOT NULL,
    object_id   INTEGER NOT NULL,
    ticket_id   INTEGER,
    customer_id INTEGER,
    action      TEXT NOT NULL,
    field       TEXT,
    old         TEXT,
    new         TEXT
) STRICT;
CREATE INDEX audit_ticket ON audit (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX audit_customer ON audit (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX audit_object ON audit (object, object_id);
