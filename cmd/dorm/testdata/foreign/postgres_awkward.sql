-- Things real schemas have: reserved words, quoted mixed-case names, camelCase columns,
-- self references, a 1:1 extension table keyed by its foreign key, composite uniques,
-- checks, defaults, numeric(12,4), booleans, bytea, json and jsonb, uuids, ON DELETE SET NULL,
-- a table without a primary key.
CREATE TABLE "user" (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "userName" varchar(100) NOT NULL,
    email varchar(255) NOT NULL UNIQUE,
    "isActive" boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    avatar bytea,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    raw_settings json,
    manager_id uuid REFERENCES "user" (id) ON DELETE SET NULL
);

CREATE TABLE user_profile (
    user_id uuid PRIMARY KEY REFERENCES "user" (id) ON DELETE CASCADE,
    bio text,
    birthday date,
    "Website" varchar(200)
);

CREATE TABLE "group" (
    id serial PRIMARY KEY,
    name varchar(50) NOT NULL,
    parent_id integer REFERENCES "group" (id) ON DELETE SET NULL,
    "select" boolean NOT NULL DEFAULT false
);

CREATE TABLE group_member (
    group_id integer NOT NULL REFERENCES "group" (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE "order" (
    id bigserial PRIMARY KEY,
    "select" varchar(20) NOT NULL DEFAULT 'standard',
    status varchar(16) NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid', 'shipped', 'cancelled')),
    total numeric(12,4) NOT NULL DEFAULT 0,
    "placedAt" timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    customer_id uuid REFERENCES "user" (id) ON DELETE SET NULL,
    note text,
    external_ref uuid,
    "from" date,
    paid boolean DEFAULT false,
    CONSTRAINT order_customer_ref_key UNIQUE (customer_id, external_ref)
);

CREATE TABLE "OrderLine" (
    "orderId" bigint NOT NULL REFERENCES "order" (id) ON DELETE CASCADE,
    "lineNo" integer NOT NULL,
    sku varchar(32) NOT NULL,
    qty integer NOT NULL DEFAULT 1 CHECK (qty > 0),
    price numeric(12,4) NOT NULL,
    PRIMARY KEY ("orderId", "lineNo")
);

CREATE TABLE audit_log (
    at timestamptz NOT NULL DEFAULT now(),
    message text NOT NULL
);

CREATE TABLE setting (
    key varchar(64) PRIMARY KEY,
    value jsonb,
    "Flag" boolean DEFAULT false,
    ratio double precision,
    weight real,
    small smallint DEFAULT 0,
    big bigint,
    opens time,
    blob bytea,
    local_at timestamp without time zone
);

-- Many servers do not run in UTC.
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'America/New_York');
END $$;
