-- Meetings and their minutes. `meeting_key` identifies a meeting's content (its
-- transcript and time), so processing the same meeting again updates this row and
-- its tasks instead of adding copies. The minutes are the JSON of `minutes --json`;
-- action items without an owner wait in it until someone assigns them.

CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    meeting_key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    meeting_at TEXT NOT NULL,
    language TEXT,
    state TEXT NOT NULL,
    input TEXT NOT NULL,
    job_id TEXT,
    error TEXT,
    minutes TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX meetings_at ON meetings (meeting_at);
