-- Append-only, hash-chained audit log: hash = SHA-256 of the entry's RFC 8785 JSON, which holds prev_hash.
CREATE TABLE audit_log (
    seq         BIGINT       PRIMARY KEY,
    at          BIGINT       NOT NULL,
    actor_id    VARCHAR(64),
    actor       VARCHAR(300) NOT NULL,
    action      VARCHAR(50)  NOT NULL,
    target      VARCHAR(200) NOT NULL,
    detail      TEXT         NOT NULL,
    prev_hash   VARCHAR(64)  NOT NULL,
    hash        VARCHAR(64)  NOT NULL
);
