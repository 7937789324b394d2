-- The two doors: what ingest remembers for idempotency and threading, receipts, and the
-- outbox that channel adapters drain.

ALTER TABLE ticket ADD COLUMN follow_up_of INTEGER REFERENCES ticket (id);

-- Chat sessions and social conversations thread by this key.
ALTER TABLE message ADD COLUMN conversation TEXT;
-- Outbound public replies: 1 when sent on the channel of the customer's latest message (P1).
ALTER TABLE message ADD COLUMN same_channel INTEGER;
CREATE INDEX message_external_id ON message (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX message_conversation ON message (channel_id, conversation)
    WHERE conversation IS NOT NULL;

-- One row per ingested (channel, external id): a retry returns the first result.
CREATE TABLE ingest_log (
    channel_id  INTEGER NOT NULL REFERENCES channel (id),
    external_id TEXT NOT NULL,
    message_id  INTEGER NOT NULL REFERENCES message (id),
    ticket_id   INTEGER NOT NULL REFERENCES ticket (id),
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    flags       INTEGER NOT NULL,
    receipt_id  INTEGER,
    promised_at INTEGER,
    PRIMARY KEY (channel_id, external_id)
) STRICT, WITHOUT ROWID;

-- Per channel: whether new tickets get a receipt, and the first-reply promise it makes
-- until an SLA policy applies.
CREATE TABLE receipt_rule (
    channel_id         INTEGER PRIMARY KEY REFERENCES channel (id),
    mode               INTEGER NOT NULL,
    first_reply_target INTEGER NOT NULL
) STRICT;

CREATE TABLE receipt_template (
    channel_id INTEGER NOT NULL REFERENCES channel (id),
    language   TEXT NOT NULL,
    template   TEXT NOT NULL,
    PRIMARY KEY (channel_id, language)
) STRICT, WITHOUT ROWID;

CREATE TABLE setting (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Everything that leaves. state: 1 queued, 2 leased, 3 sent, 4 dead.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    channel_id      INTEGER NOT NULL REFERENCES channel (id),
    ticket_id       INTEGER NOT NULL REFERENCES ticket (id),
    message_id      INTEGER REFERENCES message (id),
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT,
    body            TEXT NOT NULL,
    header_message_id TEXT,
    in_reply_to     TEXT,
    refs            TEXT,
    state           INTEGER NOT NULL DEFAULT 1,
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease           INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    external_id     TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
) STRICT;
CREATE INDEX outbox_ready ON outbox (state, next_attempt_at);
