-- To-do lists: tasks with an assignee (a directory person id, or none yet) and a due
-- date or time. Voice commands and meeting action items both land here. `origin_key`
-- makes writing the same task twice (a meeting processed again) an update, not a copy.

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    assignee TEXT,
    assignee_name TEXT,
    due TEXT,
    status TEXT NOT NULL,
    origin TEXT NOT NULL,
    origin_id TEXT,
    origin_key TEXT UNIQUE,
    notes TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX tasks_assignee_status ON tasks (assignee, status);
CREATE INDEX tasks_origin ON tasks (origin, origin_id);

-- The company directory the service resolves names against: every upload is a new
-- version (the JSON file format of `--directory`); the highest version is in force.
CREATE TABLE directory_versions (
    version BIGINT PRIMARY KEY,
    document TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL
);
