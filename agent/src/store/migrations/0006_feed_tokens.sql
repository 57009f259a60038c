-- Calendar feed tokens: the secret in a person's subscription URL
-- (`/v1/calendars/{person}.ics?token=…`). Only its sha256 is stored; it reads that one
-- person's feed and nothing else. A new token for a person replaces the old one.

CREATE TABLE feed_tokens (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX feed_tokens_person ON feed_tokens (person);
