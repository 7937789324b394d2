-- What a customer merge moved, as rows instead of a JSON text: the identities and tickets
-- that went to the survivor (kind 1 and 2, `item_id`) and the tags it did not have (kind 3,
-- `tag`). Unmerging moves them back; erasing a customer drops its tags from here.
CREATE TABLE customer_merge_item (
    merge_id INTEGER NOT NULL REFERENCES customer_merge (id),
    kind     INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
    item_id  INTEGER,
    tag      TEXT,
    CHECK ((kind = 3) = (tag IS NOT NULL) AND (kind = 3) = (item_id IS NULL))
) STRICT;
CREATE INDEX customer_merge_item_merge ON customer_merge_item (merge_id, kind);

-- The records so far; one that is not readable JSON moved nothing that can be moved back.
INSERT INTO customer_merge_item (merge_id, kind, item_id, tag)
SELECT m.id, 1, j.value, NULL FROM customer_merge m,
       json_each(CASE WHEN json_valid(m.moved) THEN m.moved ELSE '{}' END, '$.identities') j
 WHERE j.type = 'integer'
UNION ALL
SELECT m.id, 2, j.value, NULL FROM customer_merge m,
       json_each(CASE WHEN json_valid(m.moved) THEN m.moved ELSE '{}' END, '$.tickets') j
 WHERE j.type = 'integer'
UNION ALL
SELECT m.id, 3, NULL, j.value FROM customer_merge m,
       json_each(CASE WHEN json_valid(m.moved) THEN m.moved ELSE '{}' END, '$.tags') j
 WHERE j.type = 'text';

ALTER TABLE customer_merge DROP COLUMN moved;
