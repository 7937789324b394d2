-- Who sees what: agents limited to their groups' tickets, and custom fields whose type and
-- writers an admin defines (see docs/security.md).

-- 1 all tickets, 2 the tickets of the agent's groups and those assigned to it.
ALTER TABLE agent ADD COLUMN ticket_access INTEGER NOT NULL DEFAULT 1;

-- object: 1 ticket, 2 customer. type: 1 any, 2 text, 3 number, 4 boolean. A customer may
-- set only the fields of this table marked customer_writable.
CREATE TABLE custom_field (
    object            INTEGER NOT NULL,
    name              TEXT NOT NULL,
    type              INTEGER NOT NULL,
    customer_writable INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (object, name)
) STRICT, WITHOUT ROWID;
