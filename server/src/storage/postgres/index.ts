// The postgres driver: embedded PGlite (a folder on disk) or a PostgreSQL server, the same SQL for both.
import { PostgresBackend } from '@agendajs/postgres-backend'
import type { Storage, StoreTimeouts } from '../types.js'
import { accounts, apiKeys } from './accounts.js'
import { campaigns, commissionOverrides } from './campaigns.js'
import { clicks } from './clicks.js'
import { conversions } from './conversions.js'
import { ledger } from './ledger.js'
import { links, trackingCodes } from './links.js'
import { messages, outbox, suppressions } from './messages.js'
import { agendaTable, migrate } from './migrations.js'
import { orders } from './orders.js'
import { rateLimits } from './rateLimits.js'
import { payouts } from './payouts.js'
import { requestLog } from './requestLog.js'
import { attributions, messageEvents, revenueSettings, webhookTokens } from './revenue.js'
import { sessions } from './sessions.js'
import { embeddedPool, serverPool, type SqlPool } from './sql.js'
import { stats } from './stats.js'

export type PostgresOptions =
  /** `image`: a snapshot of a data folder (PGlite's dumpDataDir) that a `memory://` database starts from. */
  | { driver: 'pglite'; dataDir: string; image?: Blob }
  | { driver: 'postgres'; connectionString: string; schema?: string; timeouts?: StoreTimeouts; onError?(error: Error): void }

export class PostgresStorage implements Storage {
  readonly driver: 'pglite' | 'postgres'
  #pool: SqlPool | undefined
  // Repositories are bound to the pool once, at connect.
  accounts!: Storage['accounts']
  apiKeys!: Storage['apiKeys']
  campaigns!: Storage['campaigns']
  commissionOverrides!: Storage['commissionOverrides']
  links!: Storage['links']
  trackingCodes!: Storage['trackingCodes']
  clicks!: Storage['clicks']
  conversions!: Storage['conversions']
  ledger!: Storage['ledger']
  requestLog!: Storage['requestLog']
  orders!: Storage['orders']
  messages!: Storage['messages']
  outbox!: Storage['outbox']
  suppressions!: Storage['suppressions']
  messageEvents!: Storage['messageEvents']
  webhookTokens!: Storage['webhookTokens']
  revenueSettings!: Storage['revenueSettings']
  attributions!: Storage['attributions']
  sessions!: Storage['sessions']
  rateLimits!: Storage['rateLimits']
  payouts!: Storage['payouts']
  stats!: Storage['stats']

  constructor(private readonly options: PostgresOptions) {
    this.driver = options.driver
  }

  /** The live SQL pool, for maintenance tasks and tests. */
  get sql(): SqlPool {
    if (!this.#pool) throw new Error('storage is not connected')
    return this.#pool
  }

  async connect(): Promise<void> {
    const pool = this.options.driver === 'pglite'
      ? await embeddedPool(this.options.dataDir, this.options.image)
      : serverPool({ connectionString: this.options.connectionString, schema: this.options.schema, timeouts: this.options.timeouts, onError: this.options.onError })
    await migrate(pool)
    this.#pool = pool
    this.accounts = accounts(pool)
    this.apiKeys = apiKeys(pool)
    this.campaigns = campaigns(pool)
    this.commissionOverrides = commissionOverrides(pool)
    this.links = links(pool)
    this.trackingCodes = trackingCodes(pool)
    this.clicks = clicks(pool)
    this.conversions = conversions(pool)
    this.ledger = ledger(pool)
    this.requestLog = requestLog(pool)
    this.orders = orders(pool)
    this.messages = messages(pool)
    this.outbox = outbox(pool)
    this.suppressions = suppressions(pool)
    this.messageEvents = messageEvents(pool)
    this.webhookTokens = webhookTokens(pool)
    this.revenueSettings = revenueSettings(pool)
    this.attributions = attributions(pool)
    this.sessions = sessions(pool)
    this.rateLimits = rateLimits(pool)
    this.payouts = payouts(pool)
    this.stats = stats(pool)
  }

  async close(): Promise<void> {
    const pool = this.#pool
    this.#pool = undefined
    await pool?.close()
  }

  async ping(): Promise<boolean> {
    try {
      await this.sql.query('SELECT 1')
      return true
    } catch {
      return false
    }
  }

  agendaBackend() {
    return new PostgresBackend({ pool: this.sql.agendaPool, tableName: agendaTable, ensureSchema: false })
  }
}
