// The mongo driver: MongoDB through mongoose. MONGODB_URI must point to a replica set (Atlas, or a
// single-node `mongod --replSet`): conversions, the ledger and its transfers are written in multi-document transactions.
import { MongoBackend } from '@agendajs/mongo-backend'
import { createConnection, type Connection, type mongo } from 'mongoose'
import { defaultStoreTimeouts, type Storage, type StoreTimeouts } from '../types.js'
import { accounts, apiKeys } from './accounts.js'
import { campaigns, commissionOverrides } from './campaigns.js'
import { clicks } from './clicks.js'
import { conversions } from './conversions.js'
import { ledger } from './ledger.js'
import { links, trackingCodes } from './links.js'
import { messages, outbox, suppressions } from './messages.js'
import { bindModels } from './models.js'
import { orders } from './orders.js'
import { rateLimits } from './rateLimits.js'
import { payouts } from './payouts.js'
import { requestLog } from './requestLog.js'
import { attributions, messageEvents, revenueSettings, webhookTokens } from './revenue.js'
import { sessions } from './sessions.js'
import { stats } from './stats.js'

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
