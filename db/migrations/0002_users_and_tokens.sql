CREATE TABLE users (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login        text NOT NULL UNIQUE CHECK (login ~ '^[A-Za-z0-9_.@-]{1,64}$'),
    display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 100),
    role         text NOT NULL CHECK (role IN ('agent','dispatcher','handler','callback','supervisor','admin','auditor')),
    unit_id      bigint REFERENCES units(id),
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'handler' OR unit_id IS NOT NULL)
);

-- Bearer tokens are stored as SHA-256 of the token; the token itself is shown once.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users(id),
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id) WHERE revoked_at IS NULL;
