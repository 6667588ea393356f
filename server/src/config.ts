// Configuration: read once from the environment at start, validated, failing fast with the variable's name.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { compileTrustProxy, type TrustProxy } from './trustProxy.js'

const port = z.coerce.number().int().min(0).max(65535)
const optionalUrl = (protocols: string[]) =>
  z.string().trim().min(1).optional().refine(
    (value) => value === undefined || protocols.some((p) => value.startsWith(p)),
    { message: `must start with ${protocols.join(' or ')}` },
  )

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** The public origin of the network (tracked links, pixels, the tracker). */
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalUrl(['postgres://', 'postgresql://']),
  MONGODB_URI: optionalUrl(['mongodb://', 'mongodb+srv://']),
  /** Signs the network cookie and keys the IP hash. Required in production. */
  COOKIE_SECRET: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEMO_SHOP_PORT: port.default(3001),
  /** The demo's second advertiser (Demo Garden) and the demo publisher's blog; started with the demo shop. */
  DEMO_GARDEN_PORT: port.default(3002),
  DEMO_BLOG_PORT: port.default(3003),
  /** Seed demo accounts, campaigns and links at start (idempotent). Default: true, but false in production. */
  SEED_DEMO: z.enum(['true', 'false']).optional(),
  /** Which proxies' X-Forwarded-For to believe: unset = none; a hop count (`1`) or addresses/CIDRs (`loopback, 10.0.0.0/8`). */
  TRUST_PROXY: z.string().trim().min(1).optional(),
  /** Same visitor + link within this many seconds counts as a duplicate click. */
  DUPLICATE_CLICK_WINDOW_SECONDS: z.coerce.number().int().min(0).default(3600),
  /** A later hit with an attributable click upgrades an order stored without one up to this long after it. */
  ATTRIBUTION_UPGRADE_HOURS: z.coerce.number().int().min(0).default(24),
  REQUEST_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  /** Mailgun: with no key, emails go to the local outbox (shown at /outbox) instead of being sent. */
  MAILGUN_API_KEY: z.string().min(1).optional(),
  MAILGUN_DOMAIN: z.string().min(1).optional(),
  /** https://api.eu.mailgun.net for the EU region, or a test server. */
  MAILGUN_URL: z.url().default('https://api.mailgun.net'),
  MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(1).optional(),
  OFFERS_PER_EMAIL: z.coerce.number().int().min(1).max(10).default(3),
  /** Buyer addresses on orders and messages are cleared after this many days. */
  BUYER_DATA_RETENTION_DAYS: z.coerce.number().int().min(1).default(180),
  /** Accounts are paid out once their approved balance reaches this, in each currency's own units (50.00 EUR, 50 JPY). */
  /** Waits for the store, in milliseconds: opening a connection, one statement, a transaction left idle. */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  /** Where tracking hits wait while the store is unreachable (default DATA_DIR/spool), and its size limit. */
  SPOOL_DIR: z.string().min(1).optional(),
  SPOOL_MAX_BYTES: z.coerce.number().int().min(1024).default(512 * 1024 * 1024),
  PAYOUT_MINIMUM: z.string().trim().regex(/^\d{1,9}(\.\d{1,3})?$/, { message: 'must be a decimal amount such as 50.00' }).default('50.00'),
})

export type Config = Omit<z.infer<typeof schema>, 'SEED_DEMO'> & {
  SEED_DEMO: boolean
  publicUrl: string
  cookieSecret: string
  /** TRUST_PROXY compiled: used by Express ('trust proxy') and by the tracking routes alike. */
  trustProxy: TrustProxy
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`MONGODB_URI=`) means unset, as in most deployment tools.
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')))
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`invalid configuration — ${problems.join('; ')}`)
  }
  const c = parsed.data
  if (c.MAILGUN_API_KEY && !c.MAILGUN_DOMAIN) {
    throw new ConfigError('invalid configuration — MAILGUN_DOMAIN: required when MAILGUN_API_KEY is set')
  }
  if (c.NODE_ENV === 'production' && !c.COOKIE_SECRET) {
    throw new ConfigError('invalid configuration — COOKIE_SECRET: required in production (at least 16 characters)')
  }
  let trustProxy: TrustProxy
  try {
    trustProxy = compileTrustProxy(c.TRUST_PROXY)
  } catch (error) {
    throw new ConfigError(`invalid configuration — TRUST_PROXY: ${(error as Error).message}; use a hop count (1) or addresses and CIDR ranges (loopback, 10.0.0.0/8)`)
  }
  return {
    ...c,
    SEED_DEMO: c.SEED_DEMO === undefined ? c.NODE_ENV !== 'production' : c.SEED_DEMO === 'true',
    trustProxy,
    publicUrl: publicUrlOf(c, c.PORT),
    // Outside production without COOKIE_SECRET: a random one for this process; startNetwork replaces it with the
    // one kept in DATA_DIR (cookie-secret), so cookies outlive a restart. Never a public default.
    cookieSecret: c.COOKIE_SECRET ?? randomBytes(32).toString('base64url'),
  }
}

/** The network's own address, derived here only: PUBLIC_URL, else this host and `port` (the bound one when PORT=0); no trailing slash. */
export function publicUrlOf(c: { PUBLIC_URL?: string | undefined; HOST: string }, port: number): string {
  return (c.PUBLIC_URL ?? `http://${c.HOST === '0.0.0.0' ? '127.0.0.1' : c.HOST}:${port}`).replace(/\/$/, '')
}
