// Versioned schema migrations, applied in order at connect. Never edit a released migration: add one.
import { getCreateIndexesSQL, getCreateTableSQL, getUpdateTimestampTriggerSQL } from '@agendajs/postgres-backend'
import type { SqlPool } from './sql.js'

/** Agenda's job table: created here, under the migration lock, because Agenda's own set-up races when
 * several processes start together (concurrent CREATE TABLE IF NOT EXISTS collide in pg_type). */
export const agendaTable = 'agenda_jobs'

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
CREATE INDEX conversions_due ON conversions (approve_at) WHERE status = 'pending';
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
  {
    version: 3,
    name: 'revenue from campaigns: message events, webhook tokens, settings, attributions',
    sql: `
-- A buyer's messages, newest last (attribution); a Mailgun event names its message by provider id.
CREATE INDEX messages_recipient ON messages (recipient, sent_at) WHERE recipient IS NOT NULL;
CREATE INDEX messages_provider ON messages (provider_id) WHERE provider_id IS NOT NULL;
-- A late message event re-attributes the buyer's orders placed after it.
CREATE INDEX orders_email ON orders (email, ordered_at) WHERE email IS NOT NULL;
CREATE TABLE message_events (
  seq bigserial PRIMARY KEY,
  message_id text NOT NULL,
  type text NOT NULL,
  at timestamptz NOT NULL,
  provider_event_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- A retried webhook delivery of one event is stored once.
CREATE UNIQUE INDEX message_events_provider ON message_events (provider_event_id) WHERE provider_event_id IS NOT NULL;
CREATE INDEX message_events_message ON message_events (message_id, type, at);
CREATE TABLE webhook_tokens (
  token text PRIMARY KEY,
  at timestamptz NOT NULL
);
CREATE INDEX webhook_tokens_at ON webhook_tokens (at);
CREATE TABLE revenue_settings (
  account_id text PRIMARY KEY,
  channels jsonb NOT NULL,
  currency char(3) NOT NULL,
  excluded_tags text[] NOT NULL,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One row per order: the message it belongs to under its account's settings, so a report is a grouped sum.
CREATE TABLE revenue_attributions (
  order_id text PRIMARY KEY,
  account_id text NOT NULL,
  ordered_at timestamptz NOT NULL,
  total bigint NOT NULL,
  currency char(3) NOT NULL,
  status text NOT NULL,
  message_id text,
  message_account_id text,
  campaign_id text,
  channel text,
  tags text[] NOT NULL DEFAULT '{}',
  linked_at timestamptz,
  settings_version integer NOT NULL
);
-- A report reads only the period's attributed orders, from these covering indexes (index-only once vacuumed);
-- stale attributions (settings versions only grow) are found by a probe of the third.
CREATE INDEX revenue_attributions_account ON revenue_attributions (account_id, ordered_at)
  INCLUDE (campaign_id, channel, tags, total, currency, status) WHERE message_id IS NOT NULL;
CREATE INDEX revenue_attributions_shop ON revenue_attributions (message_account_id, ordered_at)
  INCLUDE (account_id, campaign_id, channel, tags, total, currency, status) WHERE message_account_id IS NOT NULL;
CREATE INDEX revenue_attributions_version ON revenue_attributions (account_id, settings_version, ordered_at);
-- Orders from before this migration: version -1 is stale under any settings, so reports attribute them.
INSERT INTO revenue_attributions (order_id, account_id, ordered_at, total, currency, status, settings_version)
  SELECT id, account_id, ordered_at, total, currency, status, -1 FROM orders;
-- The attribution rule (Storage['attributions']['attribute']) for the orders named, each under its account's
-- settings (rule_defaults, version 0, when it has none). A function, so that its plan is cached per session: on
-- PGlite, planning this statement afresh takes 2-100 ms, running it well under one. \`best\` is the winning
-- message; \`keep\` says the buyer data is forgotten, so the previous attribution stands. The window is inclusive
-- at both ends and counted in seconds (a day is 86,400 s whatever the session's time zone); ties on sentAt go
-- to the later linking event, then to the greater message id (byte order). Never overwrites an attribution made
-- under a newer settings version.
CREATE FUNCTION revenue_attribute(rule_defaults jsonb, target_ids text[]) RETURNS integer LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  written integer;
BEGIN
  WITH targets AS (SELECT * FROM orders WHERE id = ANY(target_ids)),
  accounts AS (
    SELECT t.account_id, COALESCE(s.channels, rule_defaults) AS rules, COALESCE(s.version, 0) AS version,
      ARRAY(SELECT c.id FROM campaigns c WHERE c.advertiser_id = t.account_id) AS campaigns
    FROM (SELECT DISTINCT account_id FROM targets) t LEFT JOIN revenue_settings s ON s.account_id = t.account_id
  ),
  computed AS (
    SELECT o.id AS order_id, o.account_id, o.ordered_at, o.total, o.currency, o.status, a.version,
      (o.email IS NULL OR (pm.id IS NOT NULL AND pm.recipient IS NULL)) AS keep,
      prev.message_id AS prev_message_id, prev.message_account_id AS prev_message_account_id, prev.campaign_id AS prev_campaign_id,
      prev.channel AS prev_channel, prev.tags AS prev_tags, prev.linked_at AS prev_linked_at,
      best.message_id, best.message_account_id, best.campaign_id, best.channel, best.tags, best.linked_at
    FROM targets o
    JOIN accounts a ON a.account_id = o.account_id
    LEFT JOIN revenue_attributions prev ON prev.order_id = o.id
    LEFT JOIN messages pm ON pm.id = prev.message_id
    LEFT JOIN LATERAL (
      SELECT m.id AS message_id, m.account_id AS message_account_id, m.channel, m.tags, l.linked_at,
        (SELECT u.c FROM unnest(m.campaign_ids) WITH ORDINALITY AS u(c, i) WHERE u.c = ANY(a.campaigns) ORDER BY u.i LIMIT 1) AS campaign_id
      FROM messages m
      CROSS JOIN LATERAL (SELECT a.rules -> m.channel AS r) rule
      CROSS JOIN LATERAL (
        SELECT CASE rule.r ->> 'event' WHEN 'sent' THEN m.sent_at ELSE (
          SELECT max(e.at) FROM message_events e WHERE e.message_id = m.id AND e.type = rule.r ->> 'event' AND e.at <= o.ordered_at
        ) END AS linked_at
      ) l
      WHERE m.recipient = o.email AND m.sent_at <= o.ordered_at AND m.campaign_ids && a.campaigns
        AND l.linked_at >= o.ordered_at - (rule.r ->> 'window')::int
          * CASE rule.r ->> 'unit' WHEN 'hours' THEN 3600 WHEN 'days' THEN 86400 ELSE 604800 END * interval '1 second'
      ORDER BY m.sent_at DESC, l.linked_at DESC, m.id COLLATE "C" DESC
      LIMIT 1
    ) best ON o.email IS NOT NULL
  )
  INSERT INTO revenue_attributions AS ra (order_id, account_id, ordered_at, total, currency, status, message_id, message_account_id,
    campaign_id, channel, tags, linked_at, settings_version)
  SELECT c.order_id, c.account_id, c.ordered_at, c.total, c.currency, c.status,
    CASE WHEN c.keep THEN c.prev_message_id ELSE c.message_id END,
    CASE WHEN c.keep THEN c.prev_message_account_id ELSE c.message_account_id END,
    CASE WHEN c.keep THEN c.prev_campaign_id ELSE c.campaign_id END,
    CASE WHEN c.keep THEN c.prev_channel ELSE c.channel END,
    COALESCE(CASE WHEN c.keep THEN c.prev_tags ELSE c.tags END, '{}'),
    CASE WHEN c.keep THEN c.prev_linked_at ELSE c.linked_at END,
    c.version
  FROM computed c
  ON CONFLICT (order_id) DO UPDATE SET account_id = EXCLUDED.account_id, ordered_at = EXCLUDED.ordered_at, total = EXCLUDED.total,
    currency = EXCLUDED.currency, status = EXCLUDED.status, message_id = EXCLUDED.message_id,
    message_account_id = EXCLUDED.message_account_id, campaign_id = EXCLUDED.campaign_id, channel = EXCLUDED.channel,
    tags = EXCLUDED.tags, linked_at = EXCLUDED.linked_at, settings_version = EXCLUDED.settings_version
  WHERE ra.settings_version <= EXCLUDED.settings_version;
  GET DIAGNOSTICS written = ROW_COUNT;
  RETURN written;
END $$;
`,
  },
  {
    // Version 3 belongs to revenue from campaigns; versions apply by set membership, so either may land first.
    version: 4,
    name: 'portal: sessions, payouts, stats indexes',
    sql: `
CREATE TABLE portal_sessions (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX portal_sessions_account ON portal_sessions (account_id);
CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);
CREATE TABLE payout_batches (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  period text NOT NULL UNIQUE,
  status text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  paid_at timestamptz
);
CREATE TABLE payouts (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  batch_id text NOT NULL REFERENCES payout_batches(id),
  account_id text NOT NULL,
  amount bigint NOT NULL,
  currency char(3) NOT NULL,
  status text NOT NULL,
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  paid_at timestamptz,
  UNIQUE (batch_id, account_id, currency)
);
CREATE INDEX payouts_account ON payouts (account_id, seq DESC);
CREATE INDEX payouts_scheduled ON payouts (account_id, currency) WHERE status = 'scheduled';
-- Payable balances sum the approved bucket of every account; earnings per day read one account's entries by time.
CREATE INDEX ledger_entries_bucket ON ledger_entries (bucket, account_id, currency);
CREATE INDEX ledger_entries_account_time ON ledger_entries (account_id, created_at);
`,
  },
  {
    version: 5,
    name: 'index for forgetting buyer addresses',
    sql: `CREATE INDEX messages_created ON messages (created_at) WHERE recipient IS NOT NULL;`,
  },
  {
    version: 6,
    name: 'rate limits shared by every process',
    sql: `CREATE TABLE rate_limits (
  key text PRIMARY KEY,
  count integer NOT NULL,
  reset_at timestamptz NOT NULL
);
CREATE INDEX rate_limits_reset ON rate_limits (reset_at);`,
  },
  {
    version: 7,
    name: 'first-party path of a campaign',
    sql: `ALTER TABLE campaigns ADD COLUMN first_party_path text;`,
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
    await tx.exec(getCreateTableSQL(agendaTable))
    for (const statement of getCreateIndexesSQL(agendaTable)) await tx.exec(statement)
    await tx.exec(getUpdateTimestampTriggerSQL(agendaTable))
    return done
  })
}
