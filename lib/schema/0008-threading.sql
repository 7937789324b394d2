-- Threading: message ids a customer's mail named before libcs saw a message with that id
-- (a conversation held partly elsewhere, or delivery out of order). A later mail naming
-- the same id, or the named mail itself, joins the ticket. `ref` is the id without its
-- angle brackets; the ticket's customer scopes the lookup.
CREATE TABLE thread_ref (
    ref       TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES ticket (id),
    PRIMARY KEY (ref, ticket_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX thread_ref_ticket ON thread_ref (ticket_id);
