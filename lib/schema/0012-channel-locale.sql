-- A channel's locale and time zone: what receipts speak and promise in for customers whose
-- own are not known (a shop in Germany promises in German and in Berlin time). NULL: none,
-- so English and UTC.
ALTER TABLE channel ADD COLUMN locale TEXT;
ALTER TABLE channel ADD COLUMN timezone TEXT;
