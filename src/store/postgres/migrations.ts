// The schema of the Postgres store as forward-only migrations, bookkept like golang-migrate (Kuma's
// migrator): table `schema_migrations(version bigint, dirty boolean)`, one row, version = the number
// of the last applied migration. Never edit a released migration; add a new one with a higher number.

export interface Migration {
  /** Sort key and the value written to schema_migrations; Kuma uses Unix timestamps. */
  version: number;
  name: string;
  sql: string;
}

/**
 * The full end schema of Kuma 2.x (its migrations 1579518998 … 1710856785), numbered as Kuma's latest
 * so a database migrated by Kuma 2.x reads as current and vice versa. Every statement is idempotent,
 * so the same script also brings a database left by an older Kuma release (at or after
 * OLDEST_UPGRADABLE_KUMA_VERSION) up to date: it adds what that release lacked and keeps the data.
 */
const INITIAL_SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (
    name              varchar(253) NOT NULL,
    mesh              varchar(100) NOT NULL,
    type              varchar(100) NOT NULL,
    version           integer NOT NULL,
    spec              text,
    creation_time     timestamp NOT NULL DEFAULT now(),
    modification_time timestamp NOT NULL DEFAULT now(),
    owner_name        varchar(100),
    owner_mesh        varchar(100),
    owner_type        varchar(100),
    labels            jsonb DEFAULT '{}'::jsonb,
    status            jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT resources_pkey PRIMARY KEY (name, mesh, type),
    CONSTRAINT owner_fk FOREIGN KEY (owner_name, owner_mesh, owner_type)
        REFERENCES resources (name, mesh, type) ON DELETE CASCADE
);

-- What older Kuma releases had not created yet (no-ops on a fresh table).
ALTER TABLE resources ALTER COLUMN name TYPE varchar(253);
ALTER TABLE resources ADD COLUMN IF NOT EXISTS labels jsonb DEFAULT '{}'::jsonb;
ALTER TABLE resources ADD COLUMN IF NOT EXISTS status jsonb NOT NULL DEFAULT '{}'::jsonb;
CREATE INDEX IF NOT EXISTS owner_fk_index ON resources (owner_type, owner_mesh, owner_name);

-- Every row change is announced on channel resource_events as
-- {"action":"INSERT|UPDATE|DELETE","data":{"name":…,"mesh":…,"type":…}}; cascaded deletes included.
CREATE OR REPLACE FUNCTION notify_event() RETURNS TRIGGER AS $$
DECLARE
    changed record;
BEGIN
    IF (TG_OP = 'DELETE') THEN
        changed = OLD;
    ELSE
        changed = NEW;
    END IF;
    PERFORM pg_notify('resource_events', json_build_object(
        'action', TG_OP,
        'data', json_build_object('name', changed.name, 'mesh', changed.mesh, 'type', changed.type)
    )::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS products_notify_event ON resources;
CREATE TRIGGER products_notify_event
    AFTER INSERT OR UPDATE OR DELETE ON resources
    FOR EACH ROW EXECUTE PROCEDURE notify_event();

-- Leader election (record-version-number lock, as cirello.io/pglock uses it).
CREATE TABLE IF NOT EXISTS locks (
    name                  varchar(255) PRIMARY KEY,
    record_version_number bigint,
    data                  bytea,
    owner                 varchar(255)
);
CREATE SEQUENCE IF NOT EXISTS locks_rvn OWNED BY locks.record_version_number;
`;

/** All migrations, ascending by version. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1710856785, name: 'create_schema', sql: INITIAL_SCHEMA }];

/** The version a fully migrated database carries. */
export const LATEST_MIGRATION_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Kuma's 1604501001_adjust_global_resources: from here on Kuma's row layout equals today's (global
 * resources have mesh ''), so INITIAL_SCHEMA can finish the job. Older databases (pre-1.0 Kuma) must
 * first be migrated by a Kuma 2.x release.
 */
export const OLDEST_UPGRADABLE_KUMA_VERSION = 1604501001;
