// The storage contract: every operation the product performs on its data, in one place.
// Two drivers implement it (postgres: PGlite or a PostgreSQL server; mongo: mongoose) and one contract
// suite (test/storage/contract.ts) runs against each. Money is always integer minor units + ISO currency.
import type { AgendaBackend } from 'agenda'

export type DriverName = 'pglite' | 'postgres' | 'mongo'

// ---------- accounts and API keys ----------
export type Role = 'advertiser' | 'publisher' | 'admin'
export type AccountStatus = 'pending' | 'active' | 'suspended'

export interface Account {
  id: string
  name: string
  /** Lower-cased; unique across accounts. */
  email: string
  roles: Role[]
  status: AccountStatus
  /** Memory-hard hash of the portal password, or null when the account cannot sign in. */
  passwordHash: string | null
  createdAt: Date
}
export type NewAccount = Omit<Account, 'createdAt'>
export type AccountPatch = Partial<Pick<Account, 'name' | 'roles' | 'status' | 'passwordHash'>>

export interface ApiKey {
  id: string
  accountId: string
  name: string
  /** The first characters of the key, shown in portals so a user can tell keys apart. */
  prefix: string
  /** SHA-256 of the whole key; the key itself is never stored. */
  hash: string
  createdAt: Date
  revokedAt: Date | null
}
export type NewApiKey = Omit<ApiKey, 'createdAt' | 'revokedAt'>

// ---------- campaigns, commission rules, links, tracking codes ----------
/** A sale commission: a share of the amount in basis points (1 % = 100), or a fixed amount. */
export type SaleRule = { kind: 'percent'; basisPoints: number } | { kind: 'fixed'; amount: number }
/** A lead commission is always a fixed amount. */
export type LeadRule = { kind: 'fixed'; amount: number }
export type AttributionModel = 'last_click' | 'first_click'
export type CampaignStatus = 'active' | 'paused'

export interface Campaign {
  id: string
  advertiserId: string
  name: string
  /** Shown to buyers in offer emails. */
  description: string
  status: CampaignStatus
  /** ISO 4217 currency of fixed commissions. */
  currency: string
  /** The only URLs a click may be redirected to; the first is the default. */
  landingUrls: string[]
  cookieWindowDays: number
  holdDays: number
  attribution: AttributionModel
  saleRule: SaleRule | null
  leadRule: LeadRule | null
  /**
   * First-party mode: the path of the landing site that the shop proxies to the network (e.g. `/_nw`). Set, a
   * click goes through it (the handshake at `/r`) so the network's cookie is set on the shop's own domain.
   */
  firstPartyPath: string | null
  createdAt: Date
}
export type NewCampaign = Omit<Campaign, 'createdAt' | 'firstPartyPath'> & { firstPartyPath?: string | null }
export type CampaignPatch = Partial<Omit<Campaign, 'id' | 'advertiserId' | 'createdAt'>>

/** A per-publisher override of a campaign's rules. */
export interface CommissionOverride {
  campaignId: string
  publisherId: string
  saleRule: SaleRule | null
  leadRule: LeadRule | null
}

export type LinkStatus = 'active' | 'paused'
export interface Link {
  id: string
  /** The public code in /c/:code. */
  code: string
  campaignId: string
  advertiserId: string
  publisherId: string
  /** One of the campaign's landing URLs. */
  landingUrl: string
  status: LinkStatus
  createdAt: Date
}
export type NewLink = Omit<Link, 'createdAt'>

export type TrackingMethod = 'GET' | 'POST'
export interface TrackingCode {
  id: string
  /** The public code advertisers paste (t=… in pixels, forms and the script tag). */
  code: string
  advertiserId: string
  campaignId: string
  name: string
  method: TrackingMethod
  /** Where a POST form conversion is redirected (the thank-you page). */
  redirectUrl: string | null
  /** Shared secret for server-to-server postbacks (token or HMAC key). */
  postbackSecret: string
  status: 'active' | 'paused'
  createdAt: Date
}
export type NewTrackingCode = Omit<TrackingCode, 'createdAt'>
export type TrackingCodePatch = Partial<Pick<TrackingCode, 'name' | 'method' | 'redirectUrl' | 'status' | 'postbackSecret'>>

// ---------- clicks ----------
export interface Click {
  /** Random, unguessable, 22 characters of base64url (128 bits). */
  id: string
  linkId: string
  campaignId: string
  advertiserId: string
  publisherId: string
  createdAt: Date
  /** sub1..sub5, passed through from the link's query string. */
  subIds: (string | null)[]
  userAgent: string | null
  referrer: string | null
  /** Keyed hash of the IP address; the raw address is never stored. */
  ipHash: string | null
  /** Keyed hash identifying a visitor (IP + user agent) for duplicate detection. */
  visitorKey: string
  bot: boolean
  duplicate: boolean
  landingUrl: string
}

// ---------- conversions ----------
export type ConversionType = 'sale' | 'lead'
export type ConversionStatus = 'pending' | 'approved' | 'declined' | 'reversed'
export type ConversionSource = 'script' | 'pixel' | 'form' | 'postback' | 'api' | 'email'

export interface Conversion {
  id: string
  advertiserId: string
  campaignId: string | null
  trackingCodeId: string | null
  /** The credited publisher; null when unattributed. */
  publisherId: string | null
  clickId: string | null
  type: ConversionType
  /** The advertiser's order id; unique per advertiser. */
  orderId: string
  amount: number
  currency: string
  commission: number
  commissionCurrency: string
  /** The rule that produced the commission, as it was at the time. */
  commissionRule: SaleRule | LeadRule | null
  status: ConversionStatus
  /** `attributed`, or why not (`no_click`, `expired_window`, `unknown_click`, …). */
  reason: string
  source: ConversionSource
  /** Amount refunded so far (partial refunds add up). */
  refundedAmount: number
  /** Commission reversed so far. */
  reversedCommission: number
  customerEmail: string | null
  createdAt: Date
  /** When the hold period ends and the approval job may approve it. */
  approveAt: Date | null
  decidedAt: Date | null
}
export type NewConversion = Omit<Conversion, 'createdAt' | 'decidedAt'>

export interface ConversionQuery {
  advertiserId?: string
  publisherId?: string
  campaignId?: string
  status?: ConversionStatus
  from?: Date
  to?: Date
  /** Only conversions whose hold period ends at or before this time (approveAt <= dueBefore). */
  dueBefore?: Date
  limit?: number
}

/** An atomic change of a conversion's state together with the ledger entries it causes. */
export interface ConversionTransition {
  id: string
  /** Applied only while the conversion is in one of these states (compare-and-set). */
  from: ConversionStatus[]
  /** And only while the refunded amount is still this (so two concurrent refunds cannot both apply). */
  whenRefundedAmount?: number
  set: Partial<Pick<Conversion, 'status' | 'refundedAmount' | 'reversedCommission' | 'decidedAt'>>
  ledger: NewLedgerEntry[]
}

/**
 * Later, better evidence for an order stored without a publisher: the click that earns it, and what follows
 * from it. Applied only while the conversion is pending, unattributed, unrefunded and created at or after
 * `createdAfter` (compare-and-set), in one transaction with the pending ledger entry it earns.
 */
export interface ConversionUpgrade {
  id: string
  createdAfter: Date
  set: Pick<Conversion, 'publisherId' | 'clickId' | 'campaignId' | 'commission' | 'commissionCurrency' | 'commissionRule' | 'reason' | 'approveAt'>
  ledger: NewLedgerEntry[]
}

// ---------- ledger ----------
/** pending → approved → paid are a publisher's earnings; credit is advertising credit (reinvest). */
export type LedgerBucket = 'pending' | 'approved' | 'paid' | 'credit'
export type LedgerKind = 'commission' | 'approval' | 'decline' | 'reversal' | 'payout' | 'reinvest' | 'spend'

export interface LedgerEntry {
  id: string
  accountId: string
  bucket: LedgerBucket
  /** Signed minor units. */
  amount: number
  currency: string
  kind: LedgerKind
  conversionId: string | null
  payoutId: string | null
  /** Unique idempotency key: the same movement can never be written twice. */
  key: string
  memo: string | null
  createdAt: Date
}
export type NewLedgerEntry = Omit<LedgerEntry, 'id' | 'createdAt'>

export interface Balance {
  currency: string
  pending: number
  approved: number
  paid: number
  credit: number
}

// ---------- request log ----------
export type RequestKind = 'click' | 'pixel' | 'form' | 'script' | 'postback' | 'api' | 'order'
export type RequestOutcome = 'accepted' | 'rejected'

export interface RequestLogEntry {
  id: string
  at: Date
  kind: RequestKind
  outcome: RequestOutcome
  /** `attributed`, `duplicate_order`, `no_click`, `expired_window`, `bad_amount`, `unknown_code`, … */
  reason: string
  advertiserId: string | null
  trackingCodeId: string | null
  linkId: string | null
  conversionId: string | null
  clickId: string | null
  /** The request's parameters, secrets removed and values truncated. */
  params: Record<string, string>
  ipHash: string | null
  userAgent: string | null
}
export interface RequestLogQuery {
  advertiserId: string
  trackingCodeId?: string
  outcome?: RequestOutcome
  reason?: string
  from?: Date
  to?: Date
  limit?: number
}

// ---------- orders (shops notify them; advertisers report them for revenue) ----------
export type OrderStatus = 'initialized' | 'in_progress' | 'delivered' | 'cancelled' | 'refunded'
export interface OrderItem {
  sku: string | null
  name: string
  quantity: number
  /** Unit price in minor units of the order's currency. */
  price: number
}
export interface Order {
  id: string
  /** The account that reported the order (a shop, or an advertiser). */
  accountId: string
  /** The order id in the shop's own system; unique per account. */
  externalId: string
  customerId: string | null
  /** Lower-cased buyer email; null once forgotten (retention) or when not given. */
  email: string | null
  name: string | null
  total: number
  currency: string
  status: OrderStatus
  items: OrderItem[]
  orderedAt: Date
  createdAt: Date
  updatedAt: Date
}
export type NewOrder = Omit<Order, 'createdAt' | 'updatedAt'>
export interface OrderQuery {
  accountId: string
  from?: Date
  to?: Date
  limit?: number
}

// ---------- messages (offer emails and any campaign sent through the network) ----------
/** Only email is sent today; `sms` is there because the model (and revenue settings) are per channel. */
export type Channel = 'email' | 'sms'
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'suppressed'
export interface Message {
  id: string
  /** The account in whose name it is sent (the shop). */
  accountId: string
  /** The order that triggered it; one message per (account, order). */
  orderId: string | null
  channel: Channel
  /** Lower-cased address; null once forgotten (retention). */
  recipient: string | null
  subject: string
  tags: string[]
  /** The advertisers' campaigns whose offers it carries. */
  campaignIds: string[]
  status: MessageStatus
  attempts: number
  /** While `sending`: the claim expires then (a crashed sender never makes a second email). */
  leaseUntil: Date | null
  /** The provider's message id (Mailgun's `id`). */
  providerId: string | null
  error: string | null
  createdAt: Date
  sentAt: Date | null
}
export type NewMessage = Omit<Message, 'createdAt' | 'sentAt' | 'attempts' | 'leaseUntil' | 'providerId' | 'error'>
export type MessagePatch = Partial<Pick<Message, 'status' | 'providerId' | 'error' | 'sentAt' | 'leaseUntil' | 'subject' | 'campaignIds' | 'tags'>>

/** An email the local outbox kept instead of sending (no Mailgun key: demos and development). */
export interface OutboxEmail {
  id: string
  messageId: string | null
  from: string
  to: string
  subject: string
  html: string
  text: string
  headers: Record<string, string>
  createdAt: Date
}

/** A ledger transfer between two buckets of one account, refused when the source would go below zero. */
export interface LedgerTransfer {
  accountId: string
  currency: string
  from: LedgerBucket
  /** null: the money leaves the account (credit spent on commissions). */
  to: LedgerBucket | null
  amount: number
  kind: LedgerKind
  key: string
  memo: string | null
  conversionId?: string | null
  payoutId?: string | null
}
export type TransferResult = 'done' | 'insufficient' | 'duplicate'

// ---------- revenue from campaigns (F7): message events, settings, attributions ----------
/** What happened to a message. `sent` is the message's sentAt (or Mailgun's `accepted`). */
export type MessageEventType = 'sent' | 'delivered' | 'opened' | 'clicked' | 'failed'
/** The events that can link a message to a sale. */
export type LinkingEvent = 'sent' | 'delivered' | 'opened' | 'clicked'
export interface MessageEvent {
  messageId: string
  type: MessageEventType
  at: Date
  /** The provider's event id (Mailgun's `event-data.id`): a retried delivery of one event is stored once. */
  providerEventId: string | null
  createdAt: Date
}
export type NewMessageEvent = Omit<MessageEvent, 'createdAt'>

export type WindowUnit = 'hours' | 'days' | 'weeks'
/** Per channel: a purchase within `window` `unit` after this event of a message is a sale of that message. */
export interface ChannelRule {
  event: LinkingEvent
  window: number
  unit: WindowUnit
}
export type ChannelRules = Record<Channel, ChannelRule>

export interface RevenueSettings {
  accountId: string
  channels: ChannelRules
  /** Only orders in this ISO 4217 currency count. */
  currency: string
  /** Messages carrying any of these tags are listed in reports but earn no revenue. */
  excludedTags: string[]
  /**
   * 1 for the first settings, + 1 at every change of `channels` (versions only grow); attributions remember the
   * version they were made under. Currency and excluded tags apply when reporting and leave it as it is.
   */
  version: number
  updatedAt: Date
}
export type NewRevenueSettings = Omit<RevenueSettings, 'version' | 'updatedAt'>

/**
 * Which message an order belongs to, kept per order so that a report is a grouped sum. Made under the
 * settings of the order's account (the advertiser whose sale it is), version `settingsVersion`.
 */
export interface Attribution {
  orderId: string
  /** The order's account. */
  accountId: string
  orderedAt: Date
  total: number
  currency: string
  status: OrderStatus
  /** The message the sale belongs to; null when no message qualifies. */
  messageId: string | null
  /** The account the message was sent in the name of (the shop). */
  messageAccountId: string | null
  /** The first of the message's campaigns that belongs to the order's account. */
  campaignId: string | null
  channel: Channel | null
  /** The message's tags (excluded tags are applied when reporting). */
  tags: string[]
  /** When the linking event happened. */
  linkedAt: Date | null
  /** -1: made before any rule was applied (orders that existed when revenue attribution was added). */
  settingsVersion: number
}

/** Which orders to (re)attribute. */
export type AttributionScope =
  /** These orders (a new or changed order, a batch of stale ones). */
  | { orderIds: string[] }
  /** Every order of this buyer placed at or after `since` (a message event that arrived, possibly late). */
  | { recipient: string; since: Date }

export interface StaleOrdersQuery {
  accountId: string
  /** The account's current settings version (0 when it has none). */
  version: number
  from?: Date
  to?: Date
  /** Resume with the orders placed after this time (the previous page's `last`). */
  after?: Date | null
  /** About how many orders to examine: a page ends at a whole instant, so orders placed at the same time stay together. */
  limit: number
}

export interface RevenueQuery {
  /** `advertiser`: the account's own orders. `shop`: orders attributed to messages sent in the account's name. */
  view: 'advertiser' | 'shop'
  accountId: string
  /** Orders placed in [from, to). */
  from: Date
  to: Date
  currency: string
  excludedTags: string[]
  /** When given, `stale` counts the period's attributions made under an older version (advertiser view). */
  settingsVersion?: number
}
export interface RevenueGroup {
  campaignId: string
  /** The orders' account: the campaign's advertiser. */
  advertiserId: string
  channel: Channel
  /** The messages carry an excluded tag: listed, but not revenue. */
  excluded: boolean
  purchases: number
  revenue: number
}
export interface EarningsQuery {
  publisherId: string
  from: Date
  to: Date
  currency: string
}
export interface EarningsGroup {
  campaignId: string
  conversions: number
  /** Commission minus reversals, declined conversions left out. */
  earned: number
}

/** A rate-limit key's current window: its hits so far and when it ends. */
export interface RateLimitWindow {
  count: number
  resetAt: Date
}

// ---------- portal: sessions, payouts, stats ----------
/** A signed-in portal session. The cookie carries a random token; only its SHA-256 is stored, as the id. */
export interface Session {
  id: string
  accountId: string
  /** The synchroniser token every portal form sends back (CSRF), tied to this session. */
  csrfToken: string
  createdAt: Date
  expiresAt: Date
}
export type NewSession = Omit<Session, 'createdAt'>

export type PayoutBatchStatus = 'scheduled' | 'paid'
/** The payouts of one period (e.g. `2025-01`): one batch per period. */
export interface PayoutBatch {
  id: string
  period: string
  status: PayoutBatchStatus
  /** The admin account that made it. */
  createdBy: string
  createdAt: Date
  paidAt: Date | null
}
export type NewPayoutBatch = Omit<PayoutBatch, 'status' | 'createdAt' | 'paidAt'>

/** scheduled → paid (the ledger moved approved → paid) or failed (the approved balance no longer covered it). */
export type PayoutStatus = 'scheduled' | 'paid' | 'failed'
export interface Payout {
  id: string
  batchId: string
  accountId: string
  amount: number
  currency: string
  status: PayoutStatus
  /** Why it failed. */
  note: string | null
  createdAt: Date
  paidAt: Date | null
}
export type NewPayout = Pick<Payout, 'id' | 'accountId' | 'amount' | 'currency'>
export type PayoutPatch = Partial<Pick<Payout, 'status' | 'note' | 'paidAt'>>

/** An account's positive approved balance in one currency, and how much of it scheduled payouts already hold. */
export interface PayableBalance {
  accountId: string
  currency: string
  approved: number
  scheduled: number
}

/** What publisher statistics are grouped by: the campaign, or one of the click's sub-ids. */
export type StatsDimension = 'campaign' | 'sub1' | 'sub2' | 'sub3' | 'sub4' | 'sub5'
export interface StatsQuery {
  publisherId: string
  /** Inclusive. */
  from: Date
  /** Exclusive. */
  to: Date
  by: StatsDimension
}
/** Clicks of one group (a campaign id or a sub-id value; null: the click had no such sub-id). */
export interface TrafficStats {
  key: string | null
  clicks: number
  /** Clicks that are neither bots nor duplicates. */
  uniqueClicks: number
}
/** Conversions of one group in one commission currency, by the time they were recorded. */
export interface ConversionStats {
  key: string | null
  currency: string
  /** Pending and approved conversions (not declined, not fully reversed). */
  conversions: number
  /** Commission still owed on every conversion that was not declined (commission − reversed). */
  commission: number
}
/** Net earnings of one UTC day (YYYY-MM-DD) from the ledger: commissions less reversals and declines. */
export interface DailyEarnings {
  day: string
  currency: string
  amount: number
}

// ---------- the contract ----------
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

  accounts: {
    create(account: NewAccount): Promise<Account>
    get(id: string): Promise<Account | null>
    getByEmail(email: string): Promise<Account | null>
    list(): Promise<Account[]>
    update(id: string, patch: AccountPatch): Promise<Account | null>
  }
  apiKeys: {
    create(key: NewApiKey): Promise<ApiKey>
    /** An active (not revoked) key by its hash. */
    findActiveByHash(hash: string): Promise<ApiKey | null>
    listByAccount(accountId: string): Promise<ApiKey[]>
    /** Revokes a key of this account; false when there is no such active key. */
    revoke(accountId: string, id: string): Promise<boolean>
  }
  campaigns: {
    create(campaign: NewCampaign): Promise<Campaign>
    get(id: string): Promise<Campaign | null>
    listByAdvertiser(advertiserId: string): Promise<Campaign[]>
    listActive(): Promise<Campaign[]>
    update(id: string, patch: CampaignPatch): Promise<Campaign | null>
  }
  commissionOverrides: {
    /** Creates or replaces the override for (campaign, publisher). */
    put(override: CommissionOverride): Promise<CommissionOverride>
    get(campaignId: string, publisherId: string): Promise<CommissionOverride | null>
    listByCampaign(campaignId: string): Promise<CommissionOverride[]>
    remove(campaignId: string, publisherId: string): Promise<boolean>
  }
  links: {
    create(link: NewLink): Promise<Link>
    get(id: string): Promise<Link | null>
    getByCode(code: string): Promise<Link | null>
    listByPublisher(publisherId: string): Promise<Link[]>
    listByCampaign(campaignId: string): Promise<Link[]>
    setStatus(id: string, status: LinkStatus): Promise<Link | null>
  }
  trackingCodes: {
    create(code: NewTrackingCode): Promise<TrackingCode>
    get(id: string): Promise<TrackingCode | null>
    getByCode(code: string): Promise<TrackingCode | null>
    listByAdvertiser(advertiserId: string): Promise<TrackingCode[]>
    /** Sets the fields given; one given as undefined is left as it is (as for every update of this contract). */
    update(id: string, patch: TrackingCodePatch): Promise<TrackingCode | null>
  }
  clicks: {
    /**
     * Stores clicks in one round trip; resolves once they are durable. With a window, a click also counts as
     * a duplicate when the same visitor clicked the same link within the window before it (already stored).
     * Idempotent by id: a click already stored is left as it is and the rest of the batch is stored (a hit
     * replayed from the spool).
     */
    insertMany(clicks: Click[], options?: { duplicateWindowMs?: number }): Promise<void>
    get(id: string): Promise<Click | null>
  }
  conversions: {
    /**
     * Inserts the conversion and its ledger entries atomically unless (advertiserId, orderId) exists;
     * then returns the existing one with created=false. Safe under concurrent identical requests.
     */
    insertIfAbsent(conversion: NewConversion, ledger: NewLedgerEntry[]): Promise<{ conversion: Conversion; created: boolean }>
    get(id: string): Promise<Conversion | null>
    getByOrder(advertiserId: string, orderId: string): Promise<Conversion | null>
    /** Newest first. */
    list(query: ConversionQuery): Promise<Conversion[]>
    /**
     * Applies the transition atomically; null when the conversion was not in an allowed state. A ledger key
     * already taken throws UniqueViolation and changes nothing.
     */
    transition(transition: ConversionTransition): Promise<Conversion | null>
    /** Attributes an unattributed pending conversion (see ConversionUpgrade); null when its guard failed. */
    upgrade(upgrade: ConversionUpgrade): Promise<Conversion | null>
    /** Clears the buyer's email of conversions created before `before` (buyer-data retention); returns how many. */
    forgetBefore(before: Date): Promise<number>
  }
  ledger: {
    /** Appends all entries or none; false (and nothing written) when any key already exists. */
    append(entries: NewLedgerEntry[]): Promise<boolean>
    /** Newest first. */
    listByAccount(accountId: string, limit?: number): Promise<LedgerEntry[]>
    /** Sums per currency and bucket, derived from the entries. */
    balances(accountId: string): Promise<Balance[]>
    /**
     * Moves money between buckets of one account atomically, serialised per account so concurrent
     * transfers cannot overdraw the source bucket.
     */
    transfer(transfer: LedgerTransfer): Promise<TransferResult>
  }
  orders: {
    /**
     * Creates the order, or updates the existing one with the same (accountId, externalId). With
     * `keepOrderedAt`, an update keeps the stored orderedAt (a status update that gave no order date).
     */
    upsert(order: NewOrder, options?: { keepOrderedAt?: boolean }): Promise<{ order: Order; created: boolean }>
    get(id: string): Promise<Order | null>
    getByExternalId(accountId: string, externalId: string): Promise<Order | null>
    /** Newest first by orderedAt. */
    list(query: OrderQuery): Promise<Order[]>
    /** Clears buyer emails and names of orders created before `before`; returns how many. */
    forgetBefore(before: Date): Promise<number>
  }
  messages: {
    /** Inserts unless a message for the same (accountId, orderId) exists; then returns that one. */
    insertIfAbsent(message: NewMessage): Promise<{ message: Message; created: boolean }>
    get(id: string): Promise<Message | null>
    /**
     * Claims a queued message for sending (compare-and-set queued → sending, attempts + 1, leaseUntil);
     * null when it is not queued. Only the claimer may send it.
     */
    claim(id: string, leaseUntil: Date): Promise<Message | null>
    /** Updates a message only while it is in one of `from` states. */
    update(id: string, from: MessageStatus[], patch: MessagePatch): Promise<Message | null>
    /** Messages stuck in `sending` whose lease ended before `now`. */
    listExpiredLeases(now: Date, limit?: number): Promise<Message[]>
    /** Newest first. */
    listByAccount(accountId: string, limit?: number): Promise<Message[]>
    /** Clears recipients of messages created before `before`; returns how many. */
    forgetBefore(before: Date): Promise<number>
  }
  outbox: {
    add(email: Omit<OutboxEmail, 'createdAt'>): Promise<OutboxEmail>
    get(id: string): Promise<OutboxEmail | null>
    /** Newest first. */
    list(limit?: number): Promise<OutboxEmail[]>
  }
  suppressions: {
    /** Records that this address (as a keyed hash) wants no more offer emails; idempotent. */
    add(addressHash: string): Promise<void>
    has(addressHash: string): Promise<boolean>
  }
  // ---------- revenue ----------
  messageEvents: {
    /** Stores the event unless one with the same providerEventId exists; then returns that one, created=false. */
    record(event: NewMessageEvent): Promise<{ event: MessageEvent; created: boolean }>
    /** Oldest first. */
    listByMessage(messageId: string): Promise<MessageEvent[]>
    /** The message with this provider id, given with or without its angle brackets. */
    findMessage(providerId: string): Promise<Message | null>
  }
  webhookTokens: {
    /** Remembers a webhook signature token; false when it was seen before (a replay). */
    use(token: string, at: Date): Promise<boolean>
    /** Forgets tokens seen before `before`; returns how many. */
    purgeBefore(before: Date): Promise<number>
  }
  revenueSettings: {
    get(accountId: string): Promise<RevenueSettings | null>
    /** Creates or replaces the account's settings; the version grows when the channel rules changed. */
    put(settings: NewRevenueSettings): Promise<RevenueSettings>
  }
  attributions: {
    /**
     * (Re)attributes the orders in scope, each under its account's settings (`defaults` and version 0 when it
     * has none): the order belongs to the last message sent (by sentAt, then linking time, then id) to its
     * email, at or before the order, carrying one of its account's campaigns, whose channel's linking event
     * happened within the window before the order (both ends included; `sent` is the message's sentAt).
     * An order whose buyer data was forgotten (its email, or its attributed message's recipient) keeps the
     * message it had. Never overwrites an attribution made under a newer version. Returns how many it wrote.
     */
    attribute(scope: AttributionScope, defaults: ChannelRules): Promise<number>
    get(orderId: string): Promise<Attribution | null>
    /**
     * A page of the account's orders by time, and which of them have no attribution or one made under another
     * version. `last` is the time of the page's last orders (resume after it), null when no order was left.
     */
    staleOrders(query: StaleOrdersQuery): Promise<{ orderIds: string[]; last: Date | null }>
    /**
     * Purchases and revenue per campaign, advertiser, channel and exclusion of attributed orders placed in the
     * period, in the currency, neither cancelled nor refunded.
     */
    summarize(query: RevenueQuery): Promise<{ groups: RevenueGroup[]; stale: number }>
    /** What email clicks earned a publisher (conversions whose click came from an offer email), per campaign. */
    earnings(query: EarningsQuery): Promise<EarningsGroup[]>
    /**
     * Brings the query planner's statistics of the revenue tables up to date (PostgreSQL: ANALYZE; the embedded
     * store has no autovacuum to do it). A no-op where the store needs none.
     */
    refreshStatistics(): Promise<void>
  }
  requestLog: {
    /** Stores entries in one round trip; idempotent by id, like clicks.insertMany. */
    append(entries: RequestLogEntry[]): Promise<void>
    /** Newest first. */
    list(query: RequestLogQuery): Promise<RequestLogEntry[]>
    /** Deletes entries older than `before`; returns how many. */
    purgeBefore(before: Date): Promise<number>
  }

  // ---------- portal: sessions, payouts, stats ----------
  sessions: {
    create(session: NewSession): Promise<Session>
    /** The session, unless it has expired by `now`. */
    get(id: string, now?: Date): Promise<Session | null>
    /** Moves the expiry of a live session (sliding sign-in); false when it is gone. */
    touch(id: string, expiresAt: Date): Promise<boolean>
    /** Ends one session (sign-out); false when there was none. */
    remove(id: string): Promise<boolean>
    /** Ends every session of an account (suspension, new password); returns how many. */
    removeByAccount(accountId: string): Promise<number>
    /** Deletes sessions that expired before `before`; returns how many. */
    purgeExpired(before: Date): Promise<number>
  }
  /**
   * Fixed-window counters shared by every process on the store (failed sign-ins and API keys, browser orders).
   * A key's window opens at its first hit and lasts `windowMs`; a hit after it ends opens a new one.
   */
  rateLimits: {
    /** Counts one hit, atomically under concurrency; returns the window after it (this hit included). */
    hit(key: string, windowMs: number, now?: Date): Promise<RateLimitWindow>
    /** The key's open window at `now`; null when it has none (never hit, cleared, or ended). */
    get(key: string, now?: Date): Promise<RateLimitWindow | null>
    /** Forgets the key (a successful sign-in); false when it had no window. */
    clear(key: string): Promise<boolean>
    /** Deletes windows that ended before `before`; returns how many. */
    purge(before: Date): Promise<number>
  }
  payouts: {
    /** Writes the batch and its payouts (status scheduled) atomically; UniqueViolation when the period has a batch. */
    createBatch(batch: NewPayoutBatch, payouts: NewPayout[]): Promise<{ batch: PayoutBatch; payouts: Payout[] }>
    getBatch(id: string): Promise<PayoutBatch | null>
    /** Newest first. */
    listBatches(limit?: number): Promise<PayoutBatch[]>
    /** Sets a batch's status only while it is in one of `from` (compare-and-set). */
    setBatchStatus(id: string, from: PayoutBatchStatus[], status: PayoutBatchStatus, paidAt: Date | null): Promise<PayoutBatch | null>
    get(id: string): Promise<Payout | null>
    /** In the order they were made. */
    listByBatch(batchId: string): Promise<Payout[]>
    /** Newest first. */
    listByAccount(accountId: string, limit?: number): Promise<Payout[]>
    /** Updates a payout only while it is in one of `from` (compare-and-set). */
    update(id: string, from: PayoutStatus[], patch: PayoutPatch): Promise<Payout | null>
    /** Every account's positive approved balance per currency with what scheduled payouts hold of it, in one pass. */
    payable(): Promise<PayableBalance[]>
  }
  stats: {
    /** A publisher's clicks in the period, grouped by campaign or sub-id. */
    traffic(query: StatsQuery): Promise<TrafficStats[]>
    /** A publisher's conversions recorded in the period, grouped likewise (sub-ids come from the converting click). */
    conversions(query: StatsQuery): Promise<ConversionStats[]>
    /** An account's net earnings per UTC day in [from, to), from the ledger. */
    earningsByDay(accountId: string, from: Date, to: Date): Promise<DailyEarnings[]>
  }
}
