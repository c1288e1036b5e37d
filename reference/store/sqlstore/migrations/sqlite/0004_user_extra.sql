-- users.extra: the SCIM attributes of a user that have no column of their own
-- (nickName, title, phoneNumbers, addresses, the enterprise extension, ...), as a
-- JSON object; '' when there are none.
ALTER TABLE users ADD COLUMN extra TEXT NOT NULL DEFAULT '';
