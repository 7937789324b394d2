-- Mail ingested raw (cs_ingest_mail): what the parser separated from the new text, the
-- HTML as received, the Reply-To the sender asked for, the Date it was written, and what
-- kind of mail it was; and an index for matching bounces to the items they report.

-- The quoted history and the signature, taken off the body (agents see them folded).
ALTER TABLE message ADD COLUMN quoted TEXT;
ALTER TABLE message ADD COLUMN signature TEXT;
-- The HTML part of the mail, in UTF-8, when it had one (the body is its readable text).
ALTER TABLE message ADD COLUMN html TEXT;
-- The Reply-To address when it differs from the sender's; replies follow it only when it
-- is one of the customer's own identities (docs/mail.md).
ALTER TABLE message ADD COLUMN reply_to TEXT;
-- The Date header (seconds since the epoch), when it had a readable one.
ALTER TABLE message ADD COLUMN mail_date INTEGER;
-- An enum cs_mail_kind for mail ingested raw; NULL for everything else.
ALTER TABLE message ADD COLUMN mail_kind INTEGER;

-- A delivery status notification names the Message-ID of the mail it reports.
CREATE INDEX outbox_header_message_id ON outbox (header_message_id)
    WHERE header_message_id IS NOT NULL;
