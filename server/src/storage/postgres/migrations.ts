// Versioned schema migrations, applied in order at connect. Never edit a released migration: add one.
import type { SqlPool } from './sql.js'

interface Migration {
  version: number
  name: string
  sql: string
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'tracking domain',
    sql: `
CREATE TABLE accounts (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  roles text[] NOT NULL,
  status text NOT NULL,
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE api_keys (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts(id),
  name text NOT NULL,
  prefix text NOT NULL,
  hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_account ON api_keys (account_id);
CREATE TABLE campaigns (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  advertiser_id text NOT NULL REFERENCES accounts(id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  status text NOT NULL,
  currency char(3) NOT NULL,
  landing_urls text[] NOT NULL,
  cookie_window_days integer NOT NULL,
  hold_days integer NOT NULL,
  attribution text NOT NULL,
  sale_rule jsonb,
  lead_rule jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_advertiser ON campaigns (advertiser_id);
CREATE TABLE commission_overrides (
  campaign_id text NOT NULL REFERENCES campaigns(id),
  publisher_id text NOT NULL REFERENCES accounts(id),
  sale_rule jsonb,
  lead_rule jsonb,
  PRIMARY KEY (campaign_id, publisher_id)
);
CREATE TABLE links (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  code text NOT NULL UNIQUE,
  campaign_id text NOT NULL REFERENCES campaigns(id),
  advertiser_id text NOT NULL,
  publisher_id text NOT NULL REFERENCES accounts(id),
  landing_url text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX links_publisher ON links (publisher_id);
CREATE INDEX links_campaign ON links (campaign_id);
CREATE TABLE tracking_codes (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  code text NOT NULL UNIQUE,
  advertiser_id text NOT NULL REFERENCES accounts(id),
  campaign_id text NOT NULL REFERENCES campaigns(id),
  name text NOT NULL,
  method text NOT NULL,
  redirect_url text,
  postback_secret text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tracking_codes_advertiser ON tracking_codes (advertiser_id);
CREATE TABLE clicks (
  id text PRIMARY KEY,
  link_id text NOT NULL,
  campaign_id text NOT NULL,
  advertiser_id text NOT NULL,
  publisher_id text NOT NULL,
  created_at timestamptz NOT NULL,
  sub_ids text[] NOT NULL,
  user_agent text,
  referrer text,
  ip_hash text,
  visitor_key text NOT NULL,
  bot boolean NOT NULL,
  duplicate boolean NOT NULL,
  landing_url text NOT NULL
);
CREATE INDEX clicks_visitor ON clicks (link_id, visitor_key, created_at);
CREATE INDEX clicks_publisher ON clicks (publisher_id, created_at);
CREATE TABLE conversions (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  advertiser_id text NOT NULL,
  campaign_id text,
  tracking_code_id text,
  publisher_id text,
  click_id text,
  type text NOT NULL,
  order_id text NOT NULL,
  amount bigint NOT NULL,
  currency char(3) NOT NULL,
  commission bigint NOT NULL,
  commission_currency char(3) NOT NULL,
  commission_rule jsonb,
  status text NOT NULL,
  reason text NOT NULL,
  source text NOT NULL,
  refunded_amount bigint NOT NULL DEFAULT 0,
  reversed_commission bigint NOT NULL DEFAULT 0,
  customer_email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  approve_at timestamptz,
  decided_at timestamptz,
  UNIQUE (advertiser_id, order_id)
);
CREATE INDEX conversions_advertiser ON conversions (advertiser_id, created_at DESC, seq DESC);
CREATE INDEX conversions_publisher ON conversions (publisher_id, created_at DESC, seq DESC);
CREATE TABLE ledger_entries (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  account_id text NOT NULL,
  bucket text NOT NULL,
  amount bigint NOT NULL,
  currency char(3) NOT NULL,
  kind text NOT NULL,
  conversion_id text,
  payout_id text,
  key text NOT NULL UNIQUE,
  memo text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, seq DESC);
-- The ledger is append-only: the database itself refuses changes and deletions.
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TABLE request_log (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  outcome text NOT NULL,
  reason text NOT NULL,
  advertiser_id text,
  tracking_code_id text,
  link_id text,
  conversion_id text,
  click_id text,
  params jsonb NOT NULL,
  ip_hash text,
  user_agent text
);
CREATE INDEX request_log_advertiser ON request_log (advertiser_id, at DESC);
CREATE INDEX request_log_at ON request_log (at);
`,
  },
  {
    version: 2,
    name: 'orders, messages, outbox, suppressions',
    sql: `
CREATE TABLE orders (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  account_id text NOT NULL,
  external_id text NOT NULL,
  customer_id text,
  email text,
  name text,
  total bigint NOT NULL,
  currency char(3) NOT NULL,
  status text NOT NULL,
  items jsonb NOT NULL,
  ordered_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, external_id)
);
CREATE INDEX orders_account_ordered ON orders (account_id, ordered_at DESC);
CREATE INDEX orders_created ON orders (created_at);
CREATE TABLE messages (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  account_id text NOT NULL,
  order_id text,
  channel text NOT NULL,
  recipient text,
  subject text NOT NULL,
  tags text[] NOT NULL,
  campaign_ids text[] NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  lease_until timestamptz,
  provider_id text,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
-- One message per order of a shop: the database itself refuses a second one.
CREATE UNIQUE INDEX messages_order ON messages (account_id, order_id) WHERE order_id IS NOT NULL;
CREATE INDEX messages_account ON messages (account_id, seq DESC);
CREATE INDEX messages_sending ON messages (lease_until) WHERE status = 'sending';
CREATE TABLE outbox (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  message_id text,
  sender text NOT NULL,
  recipient text NOT NULL,
  subject text NOT NULL,
  html text NOT NULL,
  text_body text NOT NULL,
  headers jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE suppressions (
  address_hash text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
]

/** Applies pending migrations; an advisory lock keeps concurrent starters from racing. */
export async function migrate(sql: SqlPool): Promise<number[]> {
  return sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(724061)')
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations')
    const applied = new Set(rows.map((r) => r.version))
    const done: number[] = []
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue
      await tx.exec(migration.sql)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name])
      done.push(migration.version)
    }
    return done
  })
}
