-- Portable SQL: runs on SQLite and PostgreSQL. Times are epoch milliseconds.
CREATE TABLE api_tokens (
    id          VARCHAR(64)  PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    role        VARCHAR(20)  NOT NULL,
    token_hash  VARCHAR(64)  NOT NULL UNIQUE,
    created_at  BIGINT       NOT NULL,
    created_by  VARCHAR(64)
);

CREATE TABLE profiles (
    id          VARCHAR(64)  PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    json        TEXT         NOT NULL,
    sha256      VARCHAR(64)  NOT NULL,
    created_at  BIGINT       NOT NULL,
    created_by  VARCHAR(64)  NOT NULL
);

CREATE TABLE cases (
    id          VARCHAR(64)  PRIMARY KEY,
    title       VARCHAR(500) NOT NULL,
    description TEXT         NOT NULL,
    created_at  BIGINT       NOT NULL,
    created_by  VARCHAR(64)  NOT NULL
);

CREATE TABLE evidence (
    id          VARCHAR(64)  PRIMARY KEY,
    case_id     VARCHAR(64)  NOT NULL REFERENCES cases(id),
    kind        VARCHAR(20)  NOT NULL,
    name        VARCHAR(500) NOT NULL,
    sha256      VARCHAR(64)  NOT NULL,
    size_bytes  BIGINT       NOT NULL,
    records     INTEGER      NOT NULL,
    created_at  BIGINT       NOT NULL,
    created_by  VARCHAR(64)  NOT NULL
);

CREATE TABLE jobs (
    id           VARCHAR(64)  PRIMARY KEY,
    case_id      VARCHAR(64)  NOT NULL REFERENCES cases(id),
    evidence_id  VARCHAR(64)  NOT NULL REFERENCES evidence(id),
    profile_id   VARCHAR(64)  NOT NULL REFERENCES profiles(id),
    state        VARCHAR(20)  NOT NULL,
    progress     DOUBLE PRECISION NOT NULL,
    error        TEXT,
    attempts     INTEGER      NOT NULL,
    lease_until  BIGINT,
    worker       VARCHAR(100),
    cancel_requested INTEGER  NOT NULL,
    created_at   BIGINT       NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT,
    created_by   VARCHAR(64)  NOT NULL
);
CREATE INDEX jobs_state ON jobs(state, created_at);
