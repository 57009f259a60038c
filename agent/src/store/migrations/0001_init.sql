-- mishu's first schema. Portable SQL: it runs unchanged on SQLite and PostgreSQL.
-- Ids are text made by the application, times are RFC 3339 UTC text (fixed width, so
-- they sort), JSON documents are text.

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    input TEXT NOT NULL,
    result TEXT,
    error TEXT,
    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
    message TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    worker TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_state_created ON jobs (state, created_at);

CREATE TABLE claims (
    claim_id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL,
    department TEXT NOT NULL,
    category TEXT NOT NULL,
    merchant TEXT NOT NULL,
    amount DOUBLE PRECISION NOT NULL,
    currency TEXT NOT NULL,
    expense_date TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    description TEXT NOT NULL,
    invoice_no TEXT,
    attendees BIGINT,
    submitted_by TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX claims_received ON claims (received_at);

CREATE TABLE assessments (
    claim_id TEXT PRIMARY KEY REFERENCES claims (claim_id),
    risk_score DOUBLE PRECISION NOT NULL,
    risk_level TEXT NOT NULL,
    route TEXT NOT NULL,
    reasons TEXT NOT NULL,
    scored_at TEXT NOT NULL
);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    claim_id TEXT NOT NULL REFERENCES claims (claim_id),
    route TEXT NOT NULL,
    risk_level TEXT NOT NULL,
    risk_score DOUBLE PRECISION NOT NULL,
    assessment TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX alerts_route_created ON alerts (route, created_at);
