// The collections behind the mongo driver: one schema per entity, with the indexes its queries use.
// Documents keep the contract's field names; the contract's id is the document's `_id`. Schemas carry no
// `required` validators: the contract's types already fix the shapes, and `required` would reject ''.
import { Schema, type Connection } from 'mongoose'
import type {
  Account, ApiKey, Campaign, Click, CommissionOverride, Conversion, LedgerEntry, Link, Message, Order, OrderItem, OutboxEmail,
  RequestLogEntry, TrackingCode,
} from '../contract/index.js'
import { bindPortalModels } from './portalModels.js'
import { bindRevenueModels } from './revenueModels.js'

type Doc<T extends { id: string }> = Omit<T, 'id'> & { _id: string }
/**
 * `seq` keeps the insertion order of documents created in the same millisecond, where BSON dates (unlike
 * PostgreSQL's timestamps) have no finer precision: lists sort by time (createdAt, or a request's `at`), then seq.
 */
type Sequenced<T> = T & { seq: number }
export type AccountDoc = Sequenced<Doc<Account>>
export type ApiKeyDoc = Sequenced<Doc<ApiKey>>
export type CampaignDoc = Sequenced<Doc<Campaign>>
export type CommissionOverrideDoc = CommissionOverride
export type LinkDoc = Sequenced<Doc<Link>>
export type TrackingCodeDoc = Sequenced<Doc<TrackingCode>>
export type ClickDoc = Doc<Click>
export type ConversionDoc = Sequenced<Doc<Conversion>>
export type LedgerEntryDoc = Sequenced<Doc<LedgerEntry>>
export type RequestLogDoc = Sequenced<Doc<RequestLogEntry>>
/** One per account that ever made a ledger transfer: transfers write it first, which serialises them. */
export type LedgerLockDoc = { _id: string; n: number }
export type OrderDoc = Sequenced<Doc<Order>>
export type MessageDoc = Sequenced<Doc<Message>>
export type OutboxDoc = Sequenced<Doc<OutboxEmail>>
/** The `_id` is the address's keyed hash. */
export type SuppressionDoc = { _id: string; createdAt: Date }
export type RateLimitDoc = { _id: string; count: number; resetAt: Date }

let lastSeq = 0
/** Insertion order in this process; only ever compared between documents of the same millisecond. */
export const nextSeq = () => ++lastSeq

// `versionKey: false`: documents are never saved through mongoose's optimistic concurrency, so no `__v`.
// `minimize: false`: an empty object (a request's `params`) is stored as {} rather than dropped.
const options = { versionKey: false, minimize: false } as const
const { Mixed } = Schema.Types

const accountSchema = new Schema<AccountDoc>({
  _id: String,
  name: String,
  email: { type: String, unique: true },
  roles: [String],
  status: String,
  passwordHash: String,
  createdAt: Date,
  seq: Number,
}, options)

const apiKeySchema = new Schema<ApiKeyDoc>({
  _id: String,
  accountId: { type: String, index: true },
  name: String,
  prefix: String,
  hash: { type: String, unique: true },
  createdAt: Date,
  revokedAt: Date,
  seq: Number,
}, options)

const campaignSchema = new Schema<CampaignDoc>({
  _id: String,
  advertiserId: { type: String, index: true },
  name: String,
  description: String,
  status: { type: String, index: true },
  currency: String,
  landingUrls: [String],
  cookieWindowDays: Number,
  holdDays: Number,
  attribution: String,
  saleRule: Mixed,
  leadRule: Mixed,
  firstPartyPath: String,
  createdAt: Date,
  seq: Number,
}, options)

const commissionOverrideSchema = new Schema<CommissionOverrideDoc>({
  campaignId: String,
  publisherId: String,
  saleRule: Mixed,
  leadRule: Mixed,
}, options)
commissionOverrideSchema.index({ campaignId: 1, publisherId: 1 }, { unique: true })

const linkSchema = new Schema<LinkDoc>({
  _id: String,
  code: { type: String, unique: true },
  campaignId: { type: String, index: true },
  advertiserId: String,
  publisherId: { type: String, index: true },
  landingUrl: String,
  status: String,
  createdAt: Date,
  seq: Number,
}, options)

const trackingCodeSchema = new Schema<TrackingCodeDoc>({
  _id: String,
  code: { type: String, unique: true },
  advertiserId: { type: String, index: true },
  campaignId: String,
  name: String,
  method: String,
  redirectUrl: String,
  postbackSecret: String,
  status: String,
  createdAt: Date,
  seq: Number,
}, options)

const clickSchema = new Schema<ClickDoc>({
  _id: String,
  linkId: String,
  campaignId: String,
  advertiserId: String,
  publisherId: String,
  createdAt: Date,
  subIds: [String],
  userAgent: String,
  referrer: String,
  ipHash: String,
  visitorKey: String,
  bot: Boolean,
  duplicate: Boolean,
  landingUrl: String,
}, options)
clickSchema.index({ linkId: 1, visitorKey: 1, createdAt: 1 })
// Publisher statistics read a publisher's clicks by time.
clickSchema.index({ publisherId: 1, createdAt: 1 })

const conversionSchema = new Schema<ConversionDoc>({
  _id: String,
  advertiserId: String,
  campaignId: String,
  trackingCodeId: String,
  publisherId: String,
  clickId: String,
  type: String,
  orderId: String,
  amount: Number,
  currency: String,
  commission: Number,
  commissionCurrency: String,
  commissionRule: Mixed,
  status: String,
  reason: String,
  source: String,
  refundedAmount: Number,
  reversedCommission: Number,
  customerEmail: String,
  createdAt: Date,
  approveAt: Date,
  decidedAt: Date,
  seq: Number,
}, options)
// The dedupe rule: one conversion per (advertiser, order id), enforced by the database.
conversionSchema.index({ advertiserId: 1, orderId: 1 }, { unique: true })
conversionSchema.index({ advertiserId: 1, createdAt: -1, seq: -1 })
conversionSchema.index({ publisherId: 1, createdAt: -1, seq: -1 })
conversionSchema.index({ status: 1, approveAt: 1 })

// Append-only: the driver only ever inserts here (MongoDB has no trigger to refuse updates; a database
// user with insert-only rights on this collection would).
const ledgerEntrySchema = new Schema<LedgerEntryDoc>({
  _id: String,
  accountId: String,
  bucket: String,
  amount: Number,
  currency: String,
  kind: String,
  conversionId: String,
  payoutId: String,
  key: { type: String, unique: true },
  memo: String,
  createdAt: Date,
  seq: Number,
}, options)
ledgerEntrySchema.index({ accountId: 1, createdAt: -1, seq: -1 })
// Payable balances sum the approved bucket of every account.
ledgerEntrySchema.index({ bucket: 1, accountId: 1, currency: 1 })

const requestLogSchema = new Schema<RequestLogDoc>({
  _id: String,
  at: Date,
  kind: String,
  outcome: String,
  reason: String,
  advertiserId: String,
  trackingCodeId: String,
  linkId: String,
  conversionId: String,
  clickId: String,
  params: Mixed,
  ipHash: String,
  userAgent: String,
  seq: Number,
}, options)
requestLogSchema.index({ advertiserId: 1, at: -1, seq: -1 })
requestLogSchema.index({ at: 1 })

// Its only index is `_id`, so syncIndexes does not create the collection: connect() does, because the first
// write to it happens inside a transaction.
const ledgerLockSchema = new Schema<LedgerLockDoc>({
  _id: String,
  n: Number,
}, options)

// `_id: false`: an item is a plain value, not a subdocument with an id of its own.
const orderItemSchema = new Schema<OrderItem>({
  sku: String,
  name: String,
  quantity: Number,
  price: Number,
}, { ...options, _id: false })

const orderSchema = new Schema<OrderDoc>({
  _id: String,
  accountId: String,
  externalId: String,
  customerId: String,
  email: String,
  name: String,
  total: Number,
  currency: String,
  status: String,
  items: [orderItemSchema],
  orderedAt: Date,
  createdAt: Date,
  updatedAt: Date,
  seq: Number,
}, options)
// One order per (account, external id): the upsert's match, and what makes concurrent notifications one order.
orderSchema.index({ accountId: 1, externalId: 1 }, { unique: true })
orderSchema.index({ accountId: 1, orderedAt: -1, seq: -1 })
orderSchema.index({ createdAt: 1 })
// Revenue: a late message event re-attributes the buyer's orders placed after it.
orderSchema.index({ email: 1, orderedAt: 1 })

const messageSchema = new Schema<MessageDoc>({
  _id: String,
  accountId: String,
  orderId: String,
  channel: String,
  recipient: String,
  subject: String,
  tags: [String],
  campaignIds: [String],
  status: String,
  attempts: Number,
  leaseUntil: Date,
  providerId: String,
  error: String,
  createdAt: Date,
  sentAt: Date,
  seq: Number,
}, options)
// One message per order of a shop, enforced by the database; messages without an order (orderId null) are
// outside the partial index and never collide.
messageSchema.index({ accountId: 1, orderId: 1 }, { unique: true, partialFilterExpression: { orderId: { $type: 'string' } } })
messageSchema.index({ accountId: 1, createdAt: -1, seq: -1 })
messageSchema.index({ status: 1, leaseUntil: 1 })
messageSchema.index({ createdAt: 1 })
// Revenue: a buyer's messages by send time (attribution), and a Mailgun event's message by provider id.
messageSchema.index({ recipient: 1, sentAt: 1 })
messageSchema.index({ providerId: 1 })

const outboxSchema = new Schema<OutboxDoc>({
  _id: String,
  messageId: String,
  from: String,
  to: String,
  subject: String,
  html: String,
  text: String,
  headers: Mixed,
  createdAt: Date,
  seq: Number,
}, options)
outboxSchema.index({ createdAt: -1, seq: -1 })

const suppressionSchema = new Schema<SuppressionDoc>({
  _id: String,
  createdAt: Date,
}, options)

const rateLimitSchema = new Schema<RateLimitDoc>({
  _id: String,
  count: Number,
  resetAt: Date,
}, options)
// MongoDB deletes ended windows itself (the retention job's purge is the safety net); get() still checks the time.
rateLimitSchema.index({ resetAt: 1 }, { expireAfterSeconds: 0 })

/** The models on one connection (models belong to a connection, so several storages can coexist). */
export function bindModels(connection: Connection) {
  return {
    connection,
    Account: connection.model('Account', accountSchema, 'accounts'),
    ApiKey: connection.model('ApiKey', apiKeySchema, 'apiKeys'),
    Campaign: connection.model('Campaign', campaignSchema, 'campaigns'),
    CommissionOverride: connection.model('CommissionOverride', commissionOverrideSchema, 'commissionOverrides'),
    Link: connection.model('Link', linkSchema, 'links'),
    TrackingCode: connection.model('TrackingCode', trackingCodeSchema, 'trackingCodes'),
    Click: connection.model('Click', clickSchema, 'clicks'),
    Conversion: connection.model('Conversion', conversionSchema, 'conversions'),
    LedgerEntry: connection.model('LedgerEntry', ledgerEntrySchema, 'ledgerEntries'),
    RequestLog: connection.model('RequestLog', requestLogSchema, 'requestLog'),
    LedgerLock: connection.model('LedgerLock', ledgerLockSchema, 'ledgerLocks'),
    Order: connection.model('Order', orderSchema, 'orders'),
    Message: connection.model('Message', messageSchema, 'messages'),
    Outbox: connection.model('Outbox', outboxSchema, 'outbox'),
    Suppression: connection.model('Suppression', suppressionSchema, 'suppressions'),
    RateLimit: connection.model('RateLimit', rateLimitSchema, 'rateLimits'),
    ...bindPortalModels(connection),
    ...bindRevenueModels(connection),
  }
}
export type Models = ReturnType<typeof bindModels>
