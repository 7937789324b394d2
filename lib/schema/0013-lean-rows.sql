-- Fewer bytes per message: each value indexed once, a receipt stored once, and no write
-- that a lookup can replace.

-- A message's external id was indexed twice on the message (by channel and id, and by id
-- alone for threading) and a third time as the ingest log's key. One unique index by id
-- and channel now serves all three lookups: the retry, "taken on this channel" and
-- threading by id, whatever the channel.
DROP INDEX message_external;
DROP INDEX message_external_id;
CREATE UNIQUE INDEX message_external ON message (external_id, channel_id)
    WHERE external_id IS NOT NULL;

-- The ingest log is found through its message (by the index above), so its key is the
-- message's id: rows are appended in id order instead of at a random place.
CREATE TABLE ingest_log_new (
    message_id  INTEGER PRIMARY KEY REFERENCES message (id),
    ticket_id   INTEGER NOT NULL REFERENCES ticket (id),
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    flags       INTEGER NOT NULL,
    receipt_id  INTEGER,
    promised_at INTEGER
) STRICT;
INSERT OR IGNORE INTO ingest_log_new (message_id, ticket_id, customer_id, flags, receipt_id,
                                      promised_at)
    SELECT l.message_id, l.ticket_id, l.customer_id, l.flags, l.receipt_id, l.promised_at
    FROM ingest_log l JOIN message m ON m.id = l.message_id
    WHERE m.channel_id = l.channel_id AND m.external_id = l.external_id;
DROP TABLE ingest_log;
ALTER TABLE ingest_log_new RENAME TO ingest_log;

-- An outbox item that carries a message takes its body from it: NULL here means "the
-- message's" (a receipt's or reply's text was stored twice). References that are the
-- In-Reply-To alone (a first answer) are not stored again either: refs NULL. The subject stays on the item:
-- it is a header line, made one line as the item is queued.
CREATE TABLE outbox_new (
    id                INTEGER PRIMARY KEY,
    channel_id        INTEGER NOT NULL REFERENCES channel (id),
    ticket_id         INTEGER NOT NULL REFERENCES ticket (id),
    message_id        INTEGER REFERENCES message (id),
    kind              TEXT NOT NULL,
    recipient         TEXT NOT NULL,
    subject           TEXT,
    body              TEXT,
    header_message_id TEXT,
    in_reply_to       TEXT,
    refs              TEXT,
    state             INTEGER NOT NULL DEFAULT 1,
    attempts          INTEGER NOT NULL DEFAULT 0,
    lease             INTEGER NOT NULL DEFAULT 0,
    lease_until       INTEGER,
    next_attempt_at   INTEGER NOT NULL,
    last_error        TEXT,
    external_id       TEXT,
    created_at        INTEGER NOT NULL,
    sent_at           INTEGER,
    identity_id       INTEGER REFERENCES identity (id) ON DELETE SET NULL,
    cancel_reason     TEXT,
    html              TEXT,
    CHECK (message_id IS NOT NULL OR body IS NOT NULL)
) STRICT;
INSERT INTO outbox_new
    SELECT o.id, o.channel_id, o.ticket_id, o.message_id, o.kind, o.recipient,
           o.subject,
           CASE WHEN m.id IS NOT NULL AND o.body = m.body THEN NULL ELSE o.body END,
           o.header_message_id, o.in_reply_to,
           CASE WHEN o.refs = o.in_reply_to THEN NULL ELSE o.refs END, o.state, o.attempts, o.lease,
           o.lease_until, o.next_attempt_at, o.last_error, o.external_id, o.created_at,
           o.sent_at, o.identity_id, o.cancel_reason, o.html
    FROM outbox o LEFT JOIN message m ON m.id = o.message_id;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
-- The queue's index holds the queue: items waiting (1) or leased (2). A sent, dead or
-- cancelled item leaves it, so acknowledging one writes one index page, not two, and a
-- year of sent mail does not weigh on the claim.
CREATE INDEX outbox_ready ON outbox (state, next_attempt_at) WHERE state IN (1, 2);
CREATE INDEX outbox_identity ON outbox (identity_id) WHERE identity_id IS NOT NULL;
-- No index of outbox.header_message_id any more: a Message-ID libcs makes names its item
-- ("<item.random@domain>"), and a bounce finds the item by its id.


-- A ticket's or customer's own entries are found through audit_ticket and audit_customer
-- (their object id is the ticket or customer id); the object index keeps the others.
UPDATE audit SET ticket_id = object_id WHERE object = 'ticket' AND ticket_id IS NOT object_id;
UPDATE audit SET customer_id = object_id
    WHERE object = 'customer' AND customer_id IS NOT object_id;
DROP INDEX audit_object;
CREATE INDEX audit_object ON audit (object, object_id) WHERE object NOT IN ('ticket', 'customer');

-- Ticket numbers come from the number index (max + 1; tickets are never deleted), not a
-- counter row written by every new ticket.
DELETE FROM counter WHERE name = 'ticket_number';
