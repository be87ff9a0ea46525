-- Job kinds (detect | attribute | calibrate) and their options; calibration results per profile.
-- Portable SQL: runs on SQLite and PostgreSQL. Existing jobs were detection jobs.
ALTER TABLE jobs ADD COLUMN kind VARCHAR(20) NOT NULL DEFAULT 'detect';
ALTER TABLE jobs ADD COLUMN kind_options TEXT;

-- One row per calibration job, written before its report is renamed into place. A row counts as the
-- profile's measured FPR only once its job is 'done' (joined on jobs.state), so a failed or cancelled
-- calibration is never cited. Keyed by the profile's SHA-256: identical profiles share a calibration.
CREATE TABLE calibrations (
    job_id          VARCHAR(64)  PRIMARY KEY REFERENCES jobs(id),
    profile_sha256  VARCHAR(64)  NOT NULL,
    corpus_sha256   VARCHAR(64)  NOT NULL,
    json            TEXT         NOT NULL,
    created_at      BIGINT       NOT NULL
);
CREATE INDEX calibrations_profile ON calibrations(profile_sha256);
