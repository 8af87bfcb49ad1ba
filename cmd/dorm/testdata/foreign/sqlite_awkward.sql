-- Things real schemas have, in SQLite's own DDL.
CREATE TABLE "user" (
  id TEXT PRIMARY KEY NOT NULL,
  "userName" VARCHAR(100) NOT NULL,
  email TEXT NOT NULL UNIQUE,
  "isActive" BOOLEAN NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  avatar BLOB,
  settings JSON NOT NULL DEFAULT '{}',
  manager_id TEXT REFERENCES "user" (id) ON DELETE SET NULL
);

CREATE TABLE user_profile (
  user_id TEXT PRIMARY KEY NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
  bio TEXT,
  birthday DATE,
  "Website" VARCHAR(200)
);

CREATE TABLE "group" (
  id INTEGER PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  parent_id INTEGER REFERENCES "group" (id) ON DELETE SET NULL,
  "select" BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE group_member (
  group_id INTEGER NOT NULL REFERENCES "group" (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
);

CREATE TABLE "order" (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  "select" VARCHAR(20) NOT NULL DEFAULT 'standard',
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid', 'shipped', 'cancelled')),
  total NUMERIC(12,4) NOT NULL DEFAULT 0,
  "placedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  customer_id TEXT REFERENCES "user" (id) ON DELETE SET NULL,
  note TEXT,
  external_ref TEXT,
  "from" DATE,
  paid BOOLEAN DEFAULT FALSE,
  UNIQUE (customer_id, external_ref)
);

CREATE TABLE "OrderLine" (
  "orderId" INTEGER NOT NULL REFERENCES "order" (id) ON DELETE CASCADE,
  "lineNo" INTEGER NOT NULL,
  sku VARCHAR(32) NOT NULL,
  qty INTEGER NOT NULL DEFAULT 1 CHECK (qty > 0),
  price NUMERIC(12,4) NOT NULL,
  PRIMARY KEY ("orderId", "lineNo")
) WITHOUT ROWID;

CREATE TABLE audit_log (
  at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  message TEXT NOT NULL
);

CREATE TRIGGER order_audit AFTER INSERT ON "order"
BEGIN
  INSERT INTO audit_log (message) VALUES ('order ' || new.id);
END;

CREATE TABLE setting (
  "key" TEXT PRIMARY KEY NOT NULL,
  value TEXT,
  "Flag" INTEGER DEFAULT 0,
  ratio REAL,
  weight REAL,
  small INTEGER DEFAULT 0,
  big INTEGER,
  opens TEXT,
  "blob" BLOB
) STRICT;
