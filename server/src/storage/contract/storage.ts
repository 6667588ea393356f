// The storage contract as a whole: the lifecycle every driver has, and one named repository per domain area
// (each area's types and repository interface live in the file of that name beside this one).
import type { AgendaBackend } from 'agenda'
import type { AccountRepository } from './accounts.js'
import type { ApiKeyRepository } from './apiKeys.js'
import type { AttributionRepository } from './attributions.js'
import type { CampaignRepository } from './campaigns.js'
import type { ClickRepository } from './clicks.js'
import type { CommissionOverrideRepository } from './commissionOverrides.js'
import type { ConversionRepository } from './conversions.js'
import type { LedgerRepository } from './ledger.js'
import type { LinkRepository } from './links.js'
import type { MessageEventRepository } from './messageEvents.js'
import type { MessageRepository } from './messages.js'
import type { OrderRepository } from './orders.js'
import type { OutboxRepository } from './outbox.js'
import type { PayoutRepository } from './payouts.js'
import type { RateLimitRepository } from './rateLimits.js'
import type { RequestLogRepository } from './requestLog.js'
import type { RevenueSettingsRepository } from './revenueSettings.js'
import type { SessionRepository } from './sessions.js'
import type { StatsRepository } from './stats.js'
import type { SuppressionRepository } from './suppressions.js'
import type { TrackingCodeRepository } from './trackingCodes.js'
import type { WebhookTokenRepository } from './webhookTokens.js'

export type DriverName = 'pglite' | 'postgres' | 'mongo'

/** Thrown by create operations that hit a unique constraint (e.g. an email already taken). */
export class UniqueViolation extends Error {
  constructor(readonly entity: string) {
    super(`${entity} already exists`)
    this.name = 'UniqueViolation'
  }
}

/** Bounds on every wait for the store, so a lost or partitioned database never hangs a request. */
export interface StoreTimeouts {
  /** Opening a connection (and, on MongoDB, selecting a server). */
  connectMs: number
  /** One statement; on PostgreSQL enforced by the server (statement_timeout) and, a little later, by the client. */
  statementMs: number
  /** PostgreSQL ends a transaction left open without a statement (idle_in_transaction_session_timeout). */
  idleInTransactionMs: number
}

export const defaultStoreTimeouts: StoreTimeouts = { connectMs: 5_000, statementMs: 60_000, idleInTransactionMs: 60_000 }

export interface Storage {
  readonly driver: DriverName
  /** Opens connections and applies migrations / indexes. */
  connect(): Promise<void>
  close(): Promise<void>
  /** True when the store answers a trivial round trip. */
  ping(): Promise<boolean>
  /** The Agenda backend on this store, sharing its connection. */
  agendaBackend(): AgendaBackend

  accounts: AccountRepository
  apiKeys: ApiKeyRepository
  campaigns: CampaignRepository
  commissionOverrides: CommissionOverrideRepository
  links: LinkRepository
  trackingCodes: TrackingCodeRepository
  clicks: ClickRepository
  conversions: ConversionRepository
  ledger: LedgerRepository
  orders: OrderRepository
  messages: MessageRepository
  outbox: OutboxRepository
  suppressions: SuppressionRepository
  // ---------- revenue ----------
  messageEvents: MessageEventRepository
  webhookTokens: WebhookTokenRepository
  revenueSettings: RevenueSettingsRepository
  attributions: AttributionRepository
  requestLog: RequestLogRepository

  // ---------- portal: sessions, payouts, stats ----------
  sessions: SessionRepository
  rateLimits: RateLimitRepository
  payouts: PayoutRepository
  stats: StatsRepository
}
