-- Reference data: regions, categories, units (tree), hotlines, SLA policy codes.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE regions (
    code        text PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 64),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    parent_code text REFERENCES regions(code),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_code IS DISTINCT FROM code)
);

CREATE TABLE categories (
    code        text PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 64),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    parent_code text REFERENCES categories(code),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_code IS DISTINCT FROM code)
);

-- Units form a tree. `path` is the list of ids from the root down to the unit itself,
-- maintained by the application; "this unit or any unit below it" is `path @> ARRAY[id]`.
CREATE TABLE units (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    parent_id   bigint REFERENCES units(id),
    level       text NOT NULL CHECK (level IN ('city','district','department','street','office')),
    region_code text REFERENCES regions(code),
    path        bigint[] NOT NULL DEFAULT '{}',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX units_path_gin ON units USING gin (path);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE hotlines (
    number          text PRIMARY KEY CHECK (number ~ '^[0-9]{3,8}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    department      text NOT NULL DEFAULT '' CHECK (length(department) <= 200),
    merge_mode      text NOT NULL CHECK (merge_mode IN ('hub','whole','parallel','subcenter','linked')),
    default_unit_id bigint REFERENCES units(id),
    active          boolean NOT NULL DEFAULT true,
    note            text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- SLA policy codes. The clocks themselves are data (see the dispatch work); intake only needs
-- to know which codes exist.
CREATE TABLE sla_policies (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sla_policies (code, name) VALUES
    ('standard', '一般诉求'),
    ('business_env', '营商环境专线'),
    ('urgent_life', '危及生命财产'),
    ('utilities', '水电气热');
