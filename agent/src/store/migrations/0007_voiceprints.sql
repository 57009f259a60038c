-- Voiceprints: biometric data under Hong Kong's PDPO. One per directory person, the
-- speaker model's embedding as a JSON array of numbers. Removing a voiceprint deletes
-- its row.
CREATE TABLE voiceprints (
    person TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    model TEXT NOT NULL,
    embedding TEXT NOT NULL,
    speech_s DOUBLE PRECISION NOT NULL,
    consent_id TEXT NOT NULL,
    enrolled_at TEXT NOT NULL
);

-- The consent record, append only: every enrolment (who gave consent, who recorded it,
-- when, the recordings by file name and sha256, the model, the purpose) and every
-- removal. It holds no biometric data and outlives the voiceprint, so that consent and
-- its withdrawal can be shown.
CREATE TABLE voice_consents (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    action TEXT NOT NULL,
    consent_by TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recordings TEXT NOT NULL,
    model TEXT,
    purpose TEXT
);
CREATE INDEX voice_consents_person ON voice_consents (person);
