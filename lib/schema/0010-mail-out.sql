-- Mail out: the HTML alternative of an outgoing mail, as written by the agent (with the
-- signature appended). The text body stays the message of record; NULL for mail without
-- one, for other channels and once the customer is erased.
ALTER TABLE outbox ADD COLUMN html TEXT;
