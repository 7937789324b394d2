-- Delivery: the identity each inbound message came from (replies go back to it) and the
-- identity each outbox item is addressed to.

-- NULL for outbound messages, for messages stored before this migration, and once the
-- identity is removed.
ALTER TABLE message ADD COLUMN identity_id INTEGER REFERENCES identity (id) ON DELETE SET NULL;
CREATE INDEX message_identity ON message (identity_id) WHERE identity_id IS NOT NULL;

-- NULL once the identity is removed.
ALTER TABLE outbox ADD COLUMN identity_id INTEGER REFERENCES identity (id) ON DELETE SET NULL;
CREATE INDEX outbox_identity ON outbox (identity_id) WHERE identity_id IS NOT NULL;

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
