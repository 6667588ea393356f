// The mongo driver: MongoDB through mongoose. MONGODB_URI must point to a replica set (Atlas, or a
// single-node `mongod --replSet`): conversions, the ledger and its transfers are written in multi-document transactions.
import { MongoBackend } from '@agendajs/mongo-backend'
import { createConnection, type Connection, type mongo } from 'mongoose'
import {
  type AccountRepository, type ApiKeyRepository, type AttributionRepository, type CampaignRepository, type ClickRepository,
  type CommissionOverrideRepository, type ConversionRepository, type LedgerRepository, type LinkRepository, type MessageEventRepository,
  type MessageRepository, type OrderRepository, type OutboxRepository, type PayoutRepository, type RateLimitRepository,
  type RequestLogRepository, type RevenueSettingsRepository, type SessionRepository, type StatsRepository, type Storage,
  type StoreTimeouts, type SuppressionRepository, type TrackingCodeRepository, type WebhookTokenRepository, defaultStoreTimeouts,
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
import { bindModels } from './models.js'
import { orders } from './orders.js'
import { outbox } from './outbox.js'
import { payouts } from './payouts.js'
import { rateLimits } from './rateLimits.js'
import { requestLog } from './requestLog.js'
import { revenueSettings } from './revenueSettings.js'
import { sessions } from './sessions.js'
import { stats } from './stats.js'
import { suppressions } from './suppressions.js'
import { trackingCodes } from './trackingCodes.js'
import { webhookTokens } from './webhookTokens.js'

export interface MongoOptions {
  uri: string
  /** Defaults to the database named in the URI. */
  dbName?: string
  timeouts?: StoreTimeouts
  /** Told of connection errors the driver recovers from by itself. */
  onError?(error: Error): void
}

export class MongoStorage implements Storage {
  readonly driver = 'mongo'
  #connection: Connection | undefined
  // Repositories are bound to the connection's models once, at connect.
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

  constructor(private readonly options: MongoOptions) {}

  /** The live database, for maintenance tasks and tests. */
  get db(): mongo.Db {
    const db = this.#connection?.db
    if (!db) throw new Error('storage is not connected')
    return db
  }

  /** Drops this storage's database: tests give each run a database of its own. */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase()
  }

  async connect(): Promise<void> {
    // Its own connection, not mongoose's global one, so that several storages can be open at once.
    // Collections and indexes are made here, awaited, not by mongoose in the background: the unique indexes
    // enforce the contract, and a transaction should not be the first to touch a collection.
    const timeouts = this.options.timeouts ?? defaultStoreTimeouts
    const connection = createConnection(this.options.uri, {
      dbName: this.options.dbName, autoIndex: false, autoCreate: false,
      // Bounded waits: with the server gone, an operation fails after these rather than hanging.
      serverSelectionTimeoutMS: timeouts.connectMs, connectTimeoutMS: timeouts.connectMs,
      socketTimeoutMS: timeouts.statementMs + 5_000,
    })
    // The driver reconnects by itself; an 'error' event with no listener would end the process.
    connection.on('error', (error: Error) => this.options.onError?.(error))
    try {
      await connection.asPromise()
      // Refuse a standalone server now rather than at the first conversion, whose transaction it cannot run.
      const hello = await connection.getClient().db('admin').command({ hello: 1 })
      if (!hello.setName && hello.msg !== 'isdbgrid') {
        throw new Error('MONGODB_URI must point to a replica set (Atlas, or a single-node `mongod --replSet`): the mongo driver writes in transactions')
      }
      const models = bindModels(connection)
      await connection.syncIndexes()
      // syncIndexes makes a collection only by creating one of its indexes; the lock collection has none but
      // `_id`, and is first written inside a transaction (ledger transfers).
      await models.LedgerLock.createCollection()
      this.#connection = connection
      this.accounts = accounts(models)
      this.apiKeys = apiKeys(models)
      this.campaigns = campaigns(models)
      this.commissionOverrides = commissionOverrides(models)
      this.links = links(models)
      this.trackingCodes = trackingCodes(models)
      this.clicks = clicks(models)
      this.conversions = conversions(models)
      this.ledger = ledger(models)
      this.requestLog = requestLog(models)
      this.orders = orders(models)
      this.messages = messages(models)
      this.outbox = outbox(models)
      this.suppressions = suppressions(models)
      this.messageEvents = messageEvents(models)
      this.webhookTokens = webhookTokens(models)
      this.revenueSettings = revenueSettings(models)
      this.attributions = attributions(models)
      this.sessions = sessions(models)
      this.rateLimits = rateLimits(models)
      this.payouts = payouts(models)
      this.stats = stats(models)
    } catch (error) {
      // A failed connect must not leave a client retrying in the background.
      await connection.close().catch(() => {})
      throw error
    }
  }

  async close(): Promise<void> {
    const connection = this.#connection
    this.#connection = undefined
    await connection?.close()
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.command({ ping: 1 })
      return true
    } catch {
      return false
    }
  }

  /** Agenda shares this connection; a backend given a `Db` never closes it, close() does. */
  agendaBackend() {
    // mongoose brings its own copy of the mongodb driver (~7.8) beside the one Agenda's backend resolves
    // (^7): one Db at run time, two declarations of it to TypeScript.
    type AgendaDb = Extract<ConstructorParameters<typeof MongoBackend>[0], { mongo: unknown }>['mongo']
    return new MongoBackend({ mongo: this.db as unknown as AgendaDb })
  }
}
