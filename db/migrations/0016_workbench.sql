-- The workbench (issue 14): passwords, browser sessions, attachments.

-- A slow salted hash: "pbkdf2-sha256$<iterations>$<salt, base64url>$<key, base64url>".
-- NULL: the user signs in with tokens only (systems, consoles).
ALTER TABLE users ADD COLUMN password_hash text CHECK (password_hash IS NULL OR password_hash LIKE 'pbkdf2-sha256$%');

-- Browser sessions, server-side: the cookie carries a random token, only its SHA-256 is kept.
-- Idle 30 minutes ends a session (last_seen_at), 12 hours in all (expires_at), sign-out or a
-- revocation of the user at once (revoked_at).
CREATE TABLE web_sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    user_id      bigint NOT NULL REFERENCES users(id),
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX web_sessions_user ON web_sessions (user_id) WHERE revoked_at IS NULL;

-- Attachments (佐证材料 and callers' files): metadata here, the bytes in chunks of at most 256 KB
-- so an upload is written and a download read piece by piece, never whole in memory.
CREATE TABLE attachments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id       bigint NOT NULL REFERENCES tickets(id),
    filename        text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type    text NOT NULL CHECK (content_type IN ('image/jpeg','image/png','application/pdf','audio/mpeg','audio/wav')),
    kind            text NOT NULL CHECK (kind IN ('evidence','caller','other')),
    bytes           bigint NOT NULL CHECK (bytes > 0),
    sha256          bytea NOT NULL CHECK (length(sha256) = 32),
    uploaded_by     bigint NOT NULL REFERENCES users(id),
    uploaded_role   text NOT NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    idempotency_key text,
    UNIQUE (uploaded_by, idempotency_key)
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, id);

CREATE TABLE attachment_chunks (
    attachment_id bigint NOT NULL REFERENCES attachments(id),
    seq           integer NOT NULL CHECK (seq >= 0),
    data          bytea NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;  -- JPEG/PNG/MP3 do not compress

-- Each download of an attachment is in the access log.
ALTER TABLE access_log DROP CONSTRAINT access_log_action_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_action_check CHECK (action IN ('read','list','reveal','export','deliver','download'));
ALTER TABLE access_log ADD COLUMN attachment_id bigint REFERENCES attachments(id);

-- The supervisor's board reads only what it shows: running response clocks past their deadline
-- (close clocks have assignments_running_close), and today's rungs.
CREATE INDEX assignments_running_response ON assignments (response_deadline) WHERE status = 'active' AND response_met_at IS NULL;
CREATE INDEX escalations_issued ON escalations (issued_at);
