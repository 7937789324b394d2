-- Delivery: the identity each inbound message came from (replies go back to it), the
-- identity each outbox item is addressed to, and cancelled outbox items with their reason.
-- Outbox states now: 1 queued, 2 leased, 3 sent, 4 dead, 5 cancelled.

-- NULL for outbound messages, for messages stored before this migration, and once the
-- identity is removed.
ALTER TABLE message ADD COLUMN identity_id INTEGER REFERENCES identity (id) ON DELETE SET NULL;
CREATE INDEX message_identity ON message (identity_id) WHERE identity_id IS NOT NULL;

-- NULL once the identity is removed: the item is then cancelled, never sent.
ALTER TABLE outbox ADD COLUMN identity_id INTEGER REFERENCES identity (id) ON DELETE SET NULL;
CREATE INDEX outbox_identity ON outbox (identity_id) WHERE identity_id IS NOT NULL;
-- Why an item was cancelled (state 5), in words; NULL for the other states.
ALTER TABLE outbox ADD COLUMN cancel_reason TEXT;

-- Items not yet sent: the identity their recipient names, if the ticket's customer still has
-- it. The CASE maps channel kinds to identity kinds as cs_channel_kind_identity() does.
UPDATE outbox SET identity_id = (
    SELECT i.id FROM ticket t, channel c, identity i
    WHERE t.id = outbox.ticket_id AND c.id = outbox.channel_id
      AND i.customer_id = t.customer_id AND i.value = outbox.recipient
      AND i.kind = CASE c.kind WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 6 WHEN 4 THEN 1
                               WHEN 5 THEN 3 WHEN 6 THEN 4 WHEN 7 THEN 5 WHEN 8 THEN 2
                               WHEN 9 THEN 7 END)
WHERE state IN (1, 2, 4);
