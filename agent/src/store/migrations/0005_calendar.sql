-- The calendar and reminders. Times are RFC 3339 UTC text of fixed width (so they sort
-- and compare as text); `tz` is the IANA zone an event was said in, which recurrences
-- are expanded in. `series_ends_at` is when the last occurrence ends — the event's own
-- end for a one-off, NULL for a recurrence without COUNT or UNTIL — so a range query
-- can skip series that are over. Attendees are rows, so "the events of person X" is a
-- query; the departments invited are a JSON array of directory ids.

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    all_day BIGINT NOT NULL,
    tz TEXT NOT NULL,
    location TEXT,
    rrule TEXT,
    series_ends_at TEXT,
    departments TEXT NOT NULL,
    origin TEXT NOT NULL,
    source_text TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX events_starts ON events (starts_at);

CREATE TABLE event_attendees (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    position BIGINT NOT NULL,
    PRIMARY KEY (event_id, person_id)
);
CREATE INDEX event_attendees_person ON event_attendees (person_id);

-- A reminder fires at `remind_at_utc`; `remind_at` keeps the time as said (with its
-- offset). A recurring one stays pending and moves on to its next time as it fires.
CREATE TABLE reminders (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    remind_at TEXT NOT NULL,
    remind_at_utc TEXT NOT NULL,
    tz TEXT NOT NULL,
    rrule TEXT,
    person TEXT,
    status TEXT NOT NULL,
    fired_at TEXT,
    origin TEXT NOT NULL,
    source_text TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX reminders_due ON reminders (status, remind_at_utc);
CREATE INDEX reminders_person ON reminders (person);
