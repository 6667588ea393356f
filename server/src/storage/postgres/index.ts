// The postgres driver: embedded PGlite (a folder on disk) or a PostgreSQL server, the same SQL for both.
import { PostgresBackend } from '@agendajs/postgres-backend'
import type {
  AccountRepository, ApiKeyRepository, AttributionRepository, CampaignRepository, ClickRepository, CommissionOverrideRepository,
  ConversionRepository, LedgerRepository, LinkRepository, MessageEventRepository, MessageRepository, OrderRepository,
  OutboxRepository, PayoutRepository, RateLimitRepository, RequestLogRepository, RevenueSettingsRepository, SessionRepository,
  StatsRepository, Storage, StoreTimeouts, SuppressionRepository, TrackingCodeRepository, WebhookTokenRepository,
} from '../contract/index.js'
import { accounts } from './accounts.js'
import { apiKeys } from './apiKeys.js'
import { attributions } from './attributions.js'
import { campaigns } from './campaigns.js'
import { clicks } from './clicks.js'
import { commissionOverrides } from './commissionOverrides.js'
import { conversions } from './conversions.js'
import { ledger } from './ledger.js'
import { links } from './links.js'
import { messageEvents } from './messageEvents.js'
import { messages } from './messages.js'
import { agendaTable, migrate } from './migrations.js'
import { orders } from './orders.js'
import { outbox } from './outbox.js'
import { payouts } from './payouts.js'
import { rateLimits } from './rateLimits.js'
import { requestLog } from './requestLog.js'
import { revenueSettings } from './revenueSettings.js'
import { sessions } from './sessions.js'
import { embeddedPool, serverPool, type SqlPool } from './sql.js'
import { stats } from './stats.js'
import { suppressions } from './suppressions.js'
import { trackingCodes } from './trackingCodes.js'
import { webhookTokens } from './webhookTokens.js'

export type PostgresOptions =
  /** `image`: a snapshot of a data folder (PGlite's dumpDataDir) that a `memory://` database starts from. */
  | { driver: 'pglite'; dataDir: string; image?: Blob }
  | { driver: 'postgres'; connectionString: string; schema?: string; timeouts?: StoreTimeouts; onError?(error: Error): void }

export class PostgresStorage implements Storage {
  readonly driver: 'pglite' | 'postgres'
  #pool: SqlPool | undefined
  // Repositories are bound to the pool once, at connect.
  accounts!: AccountRepository
  apiKeys!: ApiKeyRepository
  campaigns!: CampaignRepository
  commissionOverrides!: CommissionOverrideRepository
  links!: LinkRepository
  trackingCodes!: TrackingCodeRepository
  clicks!: ClickRepository
  conversions!: ConversionRepository
  ledger!: LedgerRepository
  requestLog!: RequestLogRepository
  orders!: OrderRepository
  messages!: MessageRepository
  outbox!: OutboxRepository
  suppressions!: SuppressionRepository
  messageEvents!: MessageEventRepository
  webhookTokens!: WebhookTokenRepository
  revenueSettings!: RevenueSettingsRepository
  attributions!: AttributionRepository
  sessions!: SessionRepository
  rateLimits!: RateLimitRepository
  payouts!: PayoutRepository
  stats!: StatsRepository

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
