// The JSON shapes the API answers with, as zod schemas: the response builders (json.ts and the routes'
// own) are typed with `z.output<typeof …>`, so a builder and its schema cannot drift apart without tsc
// noticing, and openapi.ts turns these schemas into the document's components. Timestamps are Date objects
// in the builders and ISO 8601 strings on the wire: `timestamp` is a codec whose input (the wire side, what
// the document shows with io: 'input') is the string and whose output (what builders return) is the Date.
//
// The end of the file holds the request bodies that are validated by hand rather than by zod (orders,
// events, POST /conversions, reinvest, the tracking endpoints): described here so the document can show
// them, not used to validate.
import { z } from 'zod'

export const timestamp = z.codec(z.string().meta({ format: 'date-time' }), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
})
const id = z.string()
const activeOrPaused = z.enum(['active', 'paused'])

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe('Machine-readable, e.g. `invalid`, `not_found`, `email_taken`.'),
    message: z.string(),
    field: z.string().optional().describe('The offending field, when there is one.'),
  }),
})

export const Money = z.object({
  amount: z.number().int().describe('Integer minor units (cents).'),
  currency: z.string().describe('ISO 4217.'),
  formatted: z.string().describe('Decimal string, e.g. "19.95".'),
})

export const Account = z.object({
  id, name: z.string(), email: z.string().meta({ format: 'email' }),
  roles: z.array(z.enum(['advertiser', 'publisher', 'admin'])),
  status: z.enum(['pending', 'active', 'suspended']), createdAt: timestamp,
})

export const ApiKey = z.object({
  id, name: z.string(), prefix: z.string().describe('The first characters of the key.'), createdAt: timestamp, revokedAt: timestamp.nullable(),
})
export const NewApiKey = ApiKey.extend({ key: z.string().describe('The whole key: shown only in this answer.') })

export const Rule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('percent'), percent: z.string().describe('e.g. "12.5"'), basisPoints: z.number().int().describe('1 % = 100.') }),
  z.object({ kind: z.literal('fixed'), amount: Money }),
]).nullable().describe('A commission rule: a percentage of the sale or a fixed amount; null for none.')

/** A rule as stored and frozen on a conversion: basis points, or a fixed amount in minor units of the commission currency. */
export const StoredRule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('percent'), basisPoints: z.number().int() }),
  z.object({ kind: z.literal('fixed'), amount: z.number().int().describe('Minor units of the commission currency.') }),
]).nullable().describe('The rule that produced the commission, as it was at the time.')

export const Override = z.object({ campaignId: id, publisherId: id, saleRule: Rule, leadRule: Rule })

export const Campaign = z.object({
  id, advertiserId: id, name: z.string(), description: z.string(), status: activeOrPaused, currency: z.string(),
  landingUrls: z.array(z.string()), cookieWindowDays: z.number().int(), holdDays: z.number().int(),
  attribution: z.enum(['last_click', 'first_click']), saleRule: Rule, leadRule: Rule, firstPartyPath: z.string().nullable(), createdAt: timestamp,
}).describe('A campaign as its advertiser sees it.')

export const CampaignWithOverrides = Campaign.extend({ overrides: z.array(Override) })
  .describe('A campaign as its advertiser sees it in GET /campaigns/{id}: with its per-publisher overrides.')

export const PublicCampaign = z.object({
  id, name: z.string(), description: z.string(), currency: z.string(), landingUrls: z.array(z.string()),
  cookieWindowDays: z.number().int(), attribution: z.enum(['last_click', 'first_click']), saleRule: Rule, leadRule: Rule,
}).describe('What a publisher sees of an active campaign: enough to promote it.')

export const Link = z.object({
  id, code: z.string(), url: z.string().describe('The tracked URL to share; sub1…sub5 query parameters are recorded with each click.'),
  campaignId: id, landingUrl: z.string(), status: activeOrPaused, createdAt: timestamp,
})

export const Snippets = z.object({
  scriptTag: z.string().describe('Every page: queue stub + async tracker tag.'),
  conversionCall: z.string().describe('Thank-you page: nw(\'conversion\', …).'),
  pixel: z.string().describe('GET image pixel.'), form: z.string().describe('HTML form posting to /conv.'),
  postbackUrl: z.string().describe('Postback with the secret as token.'),
  postbackSignedUrl: z.string().describe('Postback with an HMAC signature.'),
  postbackSignature: z.string().describe('How to compute the signature.'),
  curl: z.string(), node: z.string(), php: z.string(), python: z.string(),
})

export const TrackingCode = z.object({
  id, code: z.string().describe('The public code (t=…).'), campaignId: id, name: z.string(), method: z.enum(['GET', 'POST']),
  redirectUrl: z.string().nullable(), postbackSecret: z.string().describe('Shared secret for postbacks (token or HMAC key).'),
  status: activeOrPaused, createdAt: timestamp, snippets: Snippets,
})

export const Conversion = z.object({
  id, orderId: z.string(), type: z.enum(['sale', 'lead']), status: z.enum(['pending', 'approved', 'declined', 'reversed']),
  source: z.enum(['script', 'pixel', 'form', 'postback', 'api', 'email']), reason: z.string().describe('`attributed`, or why not.'),
  campaignId: id.nullable(), trackingCodeId: id.nullable(), publisherId: id.nullable(), clickId: z.string().nullable(),
  amount: Money, commission: Money, commissionRule: StoredRule, refunded: Money, reversedCommission: Money,
  customerEmail: z.string().nullable().optional().describe('Only shown to the advertiser.'),
  createdAt: timestamp, approveAt: timestamp.nullable(), decidedAt: timestamp.nullable(),
})

export const Balance = z.object({ currency: z.string(), pending: Money, approved: Money, paid: Money, credit: Money })

export const LedgerEntry = z.object({
  id, bucket: z.enum(['pending', 'approved', 'paid', 'credit']),
  kind: z.enum(['commission', 'approval', 'decline', 'reversal', 'payout', 'reinvest', 'spend']),
  amount: Money, conversionId: id.nullable(), payoutId: id.nullable(), memo: z.string().nullable(), createdAt: timestamp,
})

export const RequestLogEntry = z.object({
  id, at: timestamp, kind: z.enum(['click', 'pixel', 'form', 'script', 'postback', 'api', 'order']),
  outcome: z.enum(['accepted', 'rejected']), reason: z.string(), trackingCodeId: id.nullable(), linkId: id.nullable(),
  conversionId: id.nullable(), clickId: z.string().nullable(), params: z.record(z.string(), z.string()).describe('The request\'s parameters, secrets removed.'),
  userAgent: z.string().nullable(),
})

const orderStatus = z.enum(['initialized', 'in_progress', 'delivered', 'cancelled', 'refunded'])

export const OrderResult = z.object({
  id, orderId: z.string().describe('The shop\'s order id.'), status: orderStatus, created: z.boolean().describe('false when the order id was known: the order was updated.'),
  total: Money, orderedAt: timestamp,
  message: z.object({ id, status: z.enum(['queued', 'sending', 'sent', 'failed', 'suppressed']) }).nullable().describe('The offer email, when one was queued.'),
})

export const EventResult = z.object({
  type: z.enum(['order', 'order_status']),
  order: z.object({ id, orderId: z.string(), status: orderStatus, created: z.boolean() }),
})

/** One item of a batch (orders, events) that failed: the error it would have answered alone. */
const batchFailure = z.object({ index: z.number().int(), ok: z.literal(false), error: ErrorBody.shape.error })
const batchOf = <T extends z.ZodType>(name: string, item: T) => z.object({
  accepted: z.number().int(), failed: z.number().int(),
  results: z.array(z.discriminatedUnion('ok', [z.object({ index: z.number().int(), ok: z.literal(true), [name]: item }), batchFailure])),
}).describe('Each item\'s result, in order; a failure names its field as `<list>.N.field`. Answered with 400 when every item failed.')
export const OrderBatchResult = batchOf('order', OrderResult)
export const EventBatchResult = batchOf('event', EventResult)

export const Reinvested = z.object({
  reinvested: Money, replayed: z.boolean(),
  balance: z.object({ approved: Money, credit: Money }).optional().describe('The balance in the currency afterwards.'),
})

const linkingEvent = z.enum(['sent', 'delivered', 'opened', 'clicked'])
export const ChannelSettings = z.object({
  event: linkingEvent.describe('The message event that links it to a sale.'),
  window: z.number().int().min(1).describe('How long after that event a purchase is still its sale (at most 90 days in all).'),
  unit: z.enum(['hours', 'days', 'weeks']),
  formula: z.string().describe('The rule in words.'),
})

export const RevenueSettings = z.object({
  channels: z.object({ email: ChannelSettings, sms: ChannelSettings }),
  currency: z.string().describe('Only orders in this currency count.'),
  excludedTags: z.array(z.string()).describe('Messages with these tags are listed, but earn no revenue.'),
  version: z.number().int().describe('0 while the defaults apply; + 1 at every change.'),
  isDefault: z.boolean(), updatedAt: timestamp.nullable(),
})

export const RevenueCampaign = z.object({
  campaignId: id, name: z.string(), advertiserId: id, advertiserName: z.string(), channels: z.array(z.enum(['email', 'sms'])),
  purchases: z.number().int().describe('Purchases that belong to its messages, in the currency, neither cancelled nor refunded.'),
  averageCheck: Money.nullable(), revenue: Money,
  excluded: z.object({ purchases: z.number().int(), revenue: Money }).describe('Purchases of messages with an excluded tag: listed, not counted.'),
  earned: Money.nullable().optional().describe('Shop view only: commissions from this campaign\'s offers in the messages.'),
  formula: z.string().describe('e.g. "A sale is a purchase within 24 hours after a click on the email."'),
})

export const RevenueReport = z.object({
  view: z.enum(['advertiser', 'shop']).describe('advertiser: the account\'s orders; shop: orders that belong to messages sent in its name.'),
  from: timestamp, to: timestamp, currency: z.string(), excludedTags: z.array(z.string()),
  pending: z.number().int().describe('Orders of the period still being re-attributed after a settings change (0 normally); the figures update when it is 0.'),
  totals: z.object({
    campaigns: z.number().int(), purchases: z.number().int(), averageCheck: Money.nullable(), revenue: Money,
    earned: Money.nullable().optional().describe('Shop view only.'),
  }),
  campaigns: z.array(RevenueCampaign),
})

/** The answer of the public tracking endpoints (POST /px, /postback) to a conversion. */
export const TrackingResult = z.union([
  z.object({
    status: z.enum(['recorded', 'upgraded', 'duplicate']), reason: z.string(),
    conversion: z.object({ id, orderId: z.string(), type: z.enum(['sale', 'lead']), status: z.string(), attributed: z.boolean() }),
  }),
  z.object({ status: z.literal('accepted'), reason: z.literal('spooled') }).describe('Kept durably while the store is unreachable; stored when it returns.'),
])

/** POST /px with type=order: an order reported from the shop's page (a shop that is a publisher). */
export const BeaconOrderResult = z.object({
  status: z.enum(['recorded', 'duplicate']), order: z.object({ orderId: z.string() }),
  message: z.object({ status: z.enum(['queued', 'sending', 'sent', 'failed', 'suppressed']) }).nullable(),
})

export const WebhookResult = z.discriminatedUnion('status', [
  z.object({ status: z.literal('recorded'), event: z.string(), messageId: id }),
  z.object({ status: z.literal('duplicate'), event: z.string(), messageId: id }),
  z.object({ status: z.literal('ignored'), reason: z.string() }),
])

// —— Request bodies validated by hand (documentation only) ——

const decimalText = z.union([z.string(), z.number()])
const orderItem = z.object({
  sku: z.string().max(100).optional(), name: z.string().max(200), quantity: z.number().int().min(1).max(100_000).default(1),
  price: decimalText.describe('Unit price.'),
})
export const OrderInput = z.object({
  orderId: z.string().max(100).describe('The order id in the shop\'s system; a later notification with the same id updates the order.'),
  amount: decimalText.describe('The order total.'), currency: z.string().describe('ISO 4217.'),
  email: z.string().max(254).meta({ format: 'email' }).optional().describe('The buyer, for the offer email.'),
  customerId: z.string().max(100).optional(), name: z.string().max(200).optional().describe('The buyer\'s name.'),
  status: orderStatus.default('initialized'), orderedAt: z.string().meta({ format: 'date-time' }).optional(),
  items: z.array(orderItem).max(200).optional(), sendOffers: z.boolean().default(true),
})
export const OrderBatchInput = z.object({ orders: z.array(OrderInput).min(1).max(1000), sendOffers: z.boolean().default(true) })

export const EventInput = z.object({
  type: z.enum(['order', 'order_status']).describe('`order`: add or update an order (parameters: the fields of OrderInput). `order_status`: change a known order\'s status (parameters: orderId, status).'),
  customer: z.union([
    z.string().describe('An email, or a customer id.'),
    z.object({ id: z.string().max(100).optional(), email: z.string().meta({ format: 'email' }).optional() }),
  ]).describe('The customer key: id or email (at least one).'),
  parameters: z.record(z.string(), z.unknown()).optional().describe('order: orderId, amount, currency, status, orderedAt, items, name. order_status: orderId, status.'),
})
export const EventBatchInput = z.object({ events: z.array(EventInput).min(1).max(1000) })

export const ConversionInput = z.object({
  orderId: z.string().optional().describe('Unique per advertiser.'), amount: decimalText.optional().describe('The order amount.'),
  currency: z.string().optional().describe('ISO 4217; the campaign\'s when omitted.'), type: z.enum(['sale', 'lead']).default('sale'),
  clickId: z.string().optional().describe('The nclid the visitor landed with (the tracker keeps the latest in the _nclid cookie).'),
  firstClickId: z.string().optional().describe('The first click id the visitor landed with (the tracker keeps it in the _nclid1 cookie); the campaign\'s first- or last-click model chooses between the two.'),
  campaignId: z.string().optional().describe('The campaign an unattributed conversion belongs to.'),
  customerEmail: z.string().meta({ format: 'email' }).optional(),
})
export const ConversionRecorded = z.object({ conversion: Conversion, reason: z.string().describe('`attributed`, or why not; on a replay `duplicate_order`, `upgraded`, `duplicate_order_decided` or `duplicate_order_late`.') })

export const ReinvestInput = z.object({ amount: decimalText.describe('Amount to move, in `currency`.'), currency: z.string().describe('ISO 4217.') })

export const MailgunWebhook = z.object({
  signature: z.object({
    timestamp: z.string().describe('Unix seconds; at most 15 minutes off.'), token: z.string().describe('Used once.'),
    signature: z.string().describe('hex HMAC-SHA256(signing key, timestamp + token).'),
  }),
  'event-data': z.object({
    id: z.string(), event: z.string(), timestamp: z.number(), recipient: z.string().optional(),
    message: z.object({ headers: z.object({ 'message-id': z.string() }) }).optional(),
    'user-variables': z.object({ message: z.string().optional(), order: z.string().optional() }).optional(),
  }),
})

const form = (fields: Record<string, z.ZodType>) => z.object(fields)
export const BeaconForm = form({
  t: z.string(), id: z.string().optional(), amount: z.string().optional(), currency: z.string().optional(), type: z.string().optional(), nclid: z.string().optional(),
})
export const ConvForm = form({ t: z.string(), id: z.string(), amount: z.string().optional(), currency: z.string().optional(), nclid: z.string().optional() })
export const PostbackForm = form({
  t: z.string(), id: z.string().optional(), amount: z.string().optional(), currency: z.string().optional(), nclid: z.string(),
  token: z.string().optional(), ts: z.string().optional(), signature: z.string().optional(),
})
