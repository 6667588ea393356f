// The OpenAPI 3.1 description of the management API, POST /api/v1/conversions and the public tracking
// endpoints. The operations (ids, summaries, statuses) are listed here; their schemas are generated from zod:
// request bodies and query parameters from the schemas the routes validate with, responses from the schemas
// in schemas.ts that the response builders are typed with (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1
// uses, io: 'input' so transforms and defaults show what a caller sends and timestamps what the wire carries).
// test/api/openapi.test.ts checks that every route the router serves is listed here and nothing else, that
// the document validates, and that live answers match it.
import { z } from 'zod'
import { accountPatch, newAccountBody } from '../accounts/access.js'
import { campaignPatch, newCampaignBody, overrideBody } from '../campaigns/index.js'
import { listQuery as campaignListQuery } from './campaigns.js'
import { declineBody, refundBody } from '../conversions/index.js'
import { listQuery as conversionListQuery } from './conversionActions.js'
import { ledgerQuery } from './ledger.js'
import { linkPatch, newLinkBody } from '../links/index.js'
import { newKeyBody } from './me.js'
import { logQuery } from './requestLog.js'
import { reportQuery } from './revenue.js'
import * as S from './schemas.js'
import { codePatch, newCodeBody } from '../trackingCodes/index.js'
import { idString } from '../validation.js'
import { settingsPatch } from '../revenue/settings.js'

type Json = Record<string, unknown>

/** The named schemas of components.schemas: every response shape, and the inputs shared by several operations. */
const components: Record<string, z.ZodType> = {
  Error: S.ErrorBody, Money: S.Money, Account: S.Account, ApiKey: S.ApiKey, NewApiKey: S.NewApiKey, Rule: S.Rule, StoredRule: S.StoredRule,
  Override: S.Override, Campaign: S.Campaign, CampaignWithOverrides: S.CampaignWithOverrides, PublicCampaign: S.PublicCampaign,
  Link: S.Link, Snippets: S.Snippets, TrackingCode: S.TrackingCode, Conversion: S.Conversion, Balance: S.Balance,
  LedgerEntry: S.LedgerEntry, RequestLogEntry: S.RequestLogEntry, OrderInput: S.OrderInput, OrderResult: S.OrderResult,
  OrderBatchResult: S.OrderBatchResult, EventInput: S.EventInput, EventResult: S.EventResult, EventBatchResult: S.EventBatchResult,
  TrackingResult: S.TrackingResult, ChannelSettings: S.ChannelSettings, RevenueSettings: S.RevenueSettings,
  RevenueCampaign: S.RevenueCampaign, RevenueReport: S.RevenueReport,
}

// —— Descriptions the validating schemas do not carry: laid over copies of their fields (the rest is theirs) ——

type Shape = Record<string, z.ZodType>
/** `schema` with `docs` as metadata on some of its fields; the validation of every field is unchanged. */
function documented<T extends z.ZodObject>(schema: T, docs: { [K in keyof T['shape']]?: { description?: string; examples?: unknown[] } }): T {
  const shape = schema.shape as Shape
  const overlay = Object.fromEntries(Object.entries(docs).map(([key, meta]) => [key, (shape[key] as z.ZodType).meta(meta as Json)]))
  return schema.extend(overlay) as unknown as T
}

const campaignDocs = {
  description: { description: 'Shown to buyers in offer emails.' },
  currency: { description: 'ISO 4217 code.', examples: ['EUR'] },
  landingUrls: { description: 'The only URLs a click may land on; the first is the default.' },
  holdDays: { description: 'Days before a pending conversion is approved automatically.' },
  saleRule: { description: 'A percentage of the sale ({ kind: "percent", percent: "12.5" }, up to 2 decimals) or a fixed amount per sale in the campaign currency ({ kind: "fixed", amount: "5.00" }); null for none.' },
  leadRule: { description: 'A fixed amount per lead in the campaign currency ({ amount: "1.50" }); null for none.' },
  firstPartyPath: { description: 'First-party mode: the path of the landing site proxied to the network, e.g. "/_nw". Clicks then go through it.' },
}
const newCampaignDoc = documented(newCampaignBody, campaignDocs)
const campaignPatchDoc = documented(campaignPatch, campaignDocs)
const newLinkDoc = documented(newLinkBody, { landingUrl: { description: 'One of the campaign\'s landing URLs; the first when omitted.' } })
const newCodeDoc = documented(newCodeBody, { redirectUrl: { description: 'The thank-you page a POST form redirects to; required for POST.' } })
const codePatchDoc = documented(codePatch, { rotateSecret: { description: 'Make a new postback secret (the old one stops working).' } })
const refundDoc = documented(refundBody, { amount: { description: 'In the conversion currency; all that is left when omitted.' } })

// —— Operations ——

interface Param { name: string; in: 'path' | 'query' | 'header'; required: boolean; description?: string; schema: z.ZodType }
interface Answer { description: string; json?: z.ZodType; content?: Json; headers?: Json }
interface Operation {
  operationId: string
  summary: string
  /** Public (no API key): security [] and no 401. */
  public?: boolean
  params?: Param[]
  query?: z.ZodObject
  body?: z.ZodType
  bodyRequired?: boolean
  bodyType?: string
  responses: Record<number, Answer>
}

const ok = (description: string, json: z.ZodType): Answer => ({ description, json })
const errorAnswer = (description: string): Answer => ({ description, json: S.ErrorBody })
const noContent: Answer = { description: 'Done; no body.' }
const text = (description: string, type: string, extra: Json = {}): Answer => ({ description, content: { [type]: { schema: { type: 'string', ...extra } } } })

const badInput = errorAnswer('Invalid input: `error.field` names the offending field.')
const unauthenticated = errorAnswer('No API key, or an unknown or revoked one.')
const forbidden = errorAnswer('The account lacks the role, or is not active.')
const missing = errorAnswer('Not found — also when it belongs to another account.')
const unsupported = errorAnswer('The body is not application/json.')
const conflict = errorAnswer('The resource is not in a state that allows this.')

const pathParam = (name: string, description: string): Param => ({ name, in: 'path', required: true, description, schema: idString })
const idParam = (what: string) => pathParam('id', `The ${what}'s id.`)
const publisherParam = pathParam('publisherId', 'A publisher account id.')
const idempotencyHeader = (description: string): Param => ({
  name: 'Idempotency-Key', in: 'header', required: false, description, schema: z.string().regex(/^[\x21-\x7e]{1,100}$/),
})
const queryParam = (name: string, description: string, schema: z.ZodType = z.string()): Param => ({ name, in: 'query', required: false, description, schema })

const conversionParams = [
  queryParam('t', 'The tracking code.'), queryParam('id', 'The order id (unique per advertiser).'), queryParam('amount', 'Decimal amount, e.g. 19.95.'),
  queryParam('currency', 'ISO 4217; the campaign currency when omitted.'), queryParam('type', '`sale` (default) or `lead`.'), queryParam('nclid', 'The click id, when known.'),
]
const form = 'application/x-www-form-urlencoded'

const conversionAnswer = ok('The conversion', z.object({ conversion: S.Conversion }))
const campaignAnswer = ok('The campaign', z.object({ campaign: S.Campaign }))
const trackingCodeAnswer = ok('The tracking code', z.object({ trackingCode: S.TrackingCode }))
const accountAnswer = ok('The account', z.object({ account: S.Account }))
const settingsAnswer = ok('Settings', z.object({ settings: S.RevenueSettings }))
const newKeyAnswer = z.object({ apiKey: S.NewApiKey, note: z.string() })
const reportFormats = { query: reportQuery, responses: { 400: badInput, 403: forbidden } }

const paths: Record<string, Record<string, Operation>> = {
  '/api/v1/openapi.json': {
    get: { operationId: 'getOpenApiDocument', summary: 'This document', public: true, responses: { 200: { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } },
  },
  '/api/v1/me': {
    get: { operationId: 'getMe', summary: 'The caller\'s account', responses: { 200: accountAnswer } },
  },
  '/api/v1/api-keys': {
    get: { operationId: 'listApiKeys', summary: 'The caller\'s API keys (never the keys themselves)', responses: { 200: ok('Keys', z.object({ apiKeys: z.array(S.ApiKey) })) } },
    post: {
      operationId: 'createApiKey', summary: 'Create an API key; the key is shown once', body: newKeyBody,
      responses: { 201: ok('The new key', newKeyAnswer), 400: badInput, 415: unsupported },
    },
  },
  '/api/v1/api-keys/{id}': {
    delete: { operationId: 'revokeApiKey', summary: 'Revoke one of the caller\'s keys', params: [idParam('API key')], responses: { 204: noContent, 404: missing } },
  },
  '/api/v1/accounts': {
    get: { operationId: 'listAccounts', summary: 'All accounts (admin)', responses: { 200: ok('Accounts', z.object({ accounts: z.array(S.Account) })), 403: forbidden } },
    post: {
      operationId: 'createAccount', summary: 'Create an account with a first API key, shown once (admin)', body: newAccountBody,
      responses: {
        201: ok('The account and its key', z.object({ account: S.Account, apiKey: S.NewApiKey, note: z.string() })),
        400: badInput, 403: forbidden, 409: errorAnswer('`email_taken`: the email belongs to another account.'), 415: unsupported,
      },
    },
  },
  '/api/v1/accounts/{id}': {
    get: { operationId: 'getAccount', summary: 'One account (admin)', params: [idParam('account')], responses: { 200: accountAnswer, 403: forbidden, 404: missing } },
    patch: {
      operationId: 'updateAccount', summary: 'Approve, suspend, rename or change roles (admin)', params: [idParam('account')], body: accountPatch,
      responses: { 200: accountAnswer, 400: badInput, 403: forbidden, 404: missing, 409: errorAnswer('`own_account`: an admin cannot lock itself out.'), 415: unsupported },
    },
  },
  '/api/v1/campaigns': {
    get: {
      operationId: 'listCampaigns', summary: 'Advertiser: its own campaigns. Publisher: every active campaign (public fields).', query: campaignListQuery,
      responses: {
        200: ok('Campaigns: Campaign items for the advertiser side, PublicCampaign items for the publisher side', z.union([
          z.object({ campaigns: z.array(S.Campaign) }).describe('As advertiser.'),
          z.object({ campaigns: z.array(S.PublicCampaign) }).describe('As publisher.'),
        ])),
        400: badInput, 403: forbidden,
      },
    },
    post: {
      operationId: 'createCampaign', summary: 'Create a campaign (advertiser)', body: newCampaignDoc,
      responses: { 201: campaignAnswer, 400: badInput, 403: forbidden, 415: unsupported },
    },
  },
  '/api/v1/campaigns/{id}': {
    get: {
      operationId: 'getCampaign', summary: 'One campaign: in full with its overrides for its advertiser, public fields for a publisher when active', params: [idParam('campaign')],
      responses: {
        200: ok('The campaign: CampaignWithOverrides for its advertiser, PublicCampaign for a publisher', z.object({ campaign: z.union([S.CampaignWithOverrides, S.PublicCampaign]) })),
        404: missing,
      },
    },
    patch: {
      operationId: 'updateCampaign', summary: 'Change a campaign (its advertiser); changing the currency needs fixed rules restated', params: [idParam('campaign')], body: campaignPatchDoc,
      responses: { 200: campaignAnswer, 400: badInput, 403: forbidden, 404: missing, 409: errorAnswer('`currency_in_use`: fixed-amount overrides exist.'), 415: unsupported },
    },
  },
  '/api/v1/campaigns/{id}/overrides': {
    get: {
      operationId: 'listCampaignOverrides', summary: 'The per-publisher commission overrides of a campaign', params: [idParam('campaign')],
      responses: { 200: ok('Overrides', z.object({ overrides: z.array(S.Override) })), 403: forbidden, 404: missing },
    },
  },
  '/api/v1/campaigns/{id}/overrides/{publisherId}': {
    put: {
      operationId: 'setCampaignOverride', summary: 'Create or replace a publisher\'s commission override; a null rule keeps the campaign\'s',
      params: [idParam('campaign'), publisherParam], body: overrideBody,
      responses: { 200: ok('The override', z.object({ override: S.Override })), 400: badInput, 403: forbidden, 404: missing, 415: unsupported },
    },
    delete: {
      operationId: 'deleteCampaignOverride', summary: 'Remove a publisher\'s override', params: [idParam('campaign'), publisherParam],
      responses: { 204: noContent, 403: forbidden, 404: missing },
    },
  },
  '/api/v1/links': {
    get: {
      operationId: 'listLinks', summary: 'The caller\'s tracked links (publisher)',
      responses: { 200: ok('Links', z.object({ links: z.array(S.Link), note: z.string() })), 403: forbidden },
    },
    post: {
      operationId: 'createLink', summary: 'Create a tracked link to an active campaign (publisher)', body: newLinkDoc,
      responses: { 201: ok('The link', z.object({ link: S.Link, note: z.string() })), 400: badInput, 403: forbidden, 415: unsupported },
    },
  },
  '/api/v1/links/{id}': {
    get: {
      operationId: 'getLink', summary: 'One of the caller\'s links', params: [idParam('link')],
      responses: { 200: ok('The link', z.object({ link: S.Link, note: z.string() })), 403: forbidden, 404: missing },
    },
    patch: {
      operationId: 'updateLink', summary: 'Pause or resume a link', params: [idParam('link')], body: linkPatch,
      responses: { 200: ok('The link', z.object({ link: S.Link })), 400: badInput, 403: forbidden, 404: missing, 415: unsupported },
    },
  },
  '/api/v1/tracking-codes': {
    get: {
      operationId: 'listTrackingCodes', summary: 'The caller\'s tracking codes with snippets (advertiser)',
      responses: { 200: ok('Tracking codes', z.object({ trackingCodes: z.array(S.TrackingCode) })), 403: forbidden },
    },
    post: {
      operationId: 'createTrackingCode', summary: 'Create a tracking code for one of the caller\'s campaigns', body: newCodeDoc,
      responses: { 201: trackingCodeAnswer, 400: badInput, 403: forbidden, 415: unsupported },
    },
  },
  '/api/v1/tracking-codes/{id}': {
    get: {
      operationId: 'getTrackingCode', summary: 'One tracking code, with its postback secret and snippets', params: [idParam('tracking code')],
      responses: { 200: trackingCodeAnswer, 403: forbidden, 404: missing },
    },
    patch: {
      operationId: 'updateTrackingCode', summary: 'Change a tracking code, or rotate its postback secret', params: [idParam('tracking code')], body: codePatchDoc,
      responses: { 200: trackingCodeAnswer, 400: badInput, 403: forbidden, 404: missing, 415: unsupported },
    },
  },
  '/api/v1/conversions': {
    get: {
      operationId: 'listConversions', summary: 'Conversions: the advertiser\'s own, or those credited to the publisher (newest first)', query: conversionListQuery,
      responses: { 200: ok('Conversions (customerEmail only for the advertiser)', z.object({ conversions: z.array(S.Conversion) })), 400: badInput, 403: forbidden },
    },
    post: {
      operationId: 'recordConversion', summary: 'Report a sale or lead from the advertiser\'s server; the order id is the idempotency key',
      params: [idempotencyHeader('For a lead without an order id.')], body: S.ConversionInput,
      responses: {
        201: ok('Recorded', S.ConversionRecorded),
        200: ok('Already recorded (Idempotent-Replayed: true); `upgraded` when this request brought the attributable click the stored conversion lacked', S.ConversionRecorded),
        400: badInput, 403: forbidden, 415: unsupported,
      },
    },
  },
  '/api/v1/conversions/{id}': {
    get: { operationId: 'getConversion', summary: 'One conversion of the caller (as advertiser or credited publisher)', params: [idParam('conversion')], responses: { 200: conversionAnswer, 404: missing } },
  },
  '/api/v1/conversions/{id}/approve': {
    post: {
      operationId: 'approveConversion', summary: 'Approve a pending conversion before its hold period ends (advertiser)', params: [idParam('conversion')],
      responses: { 200: conversionAnswer, 403: forbidden, 404: missing, 409: conflict },
    },
  },
  '/api/v1/conversions/{id}/decline': {
    post: {
      operationId: 'declineConversion', summary: 'Decline a pending conversion (advertiser)', params: [idParam('conversion')], body: declineBody, bodyRequired: false,
      responses: { 200: conversionAnswer, 400: badInput, 403: forbidden, 404: missing, 409: conflict, 415: unsupported },
    },
  },
  '/api/v1/conversions/{id}/refund': {
    post: {
      operationId: 'refundConversion', summary: 'Refund or charge back a sale, in part or in full; the commission follows', params: [idParam('conversion')], body: refundDoc, bodyRequired: false,
      responses: { 200: conversionAnswer, 400: badInput, 403: forbidden, 404: missing, 409: conflict, 415: unsupported },
    },
  },
  '/api/v1/balance': {
    get: { operationId: 'getBalances', summary: 'The caller\'s balances per currency, derived from the ledger', responses: { 200: ok('Balances', z.object({ balances: z.array(S.Balance) })) } },
  },
  '/api/v1/ledger': {
    get: {
      operationId: 'listLedgerEntries', summary: 'The caller\'s ledger entries, newest first', query: ledgerQuery,
      responses: { 200: ok('Entries', z.object({ entries: z.array(S.LedgerEntry) })), 400: badInput },
    },
  },
  '/api/v1/request-log': {
    get: {
      operationId: 'listRequestLog', summary: 'Every tracking request that concerned the advertiser, with outcome and reason, newest first',
      query: documented(logQuery, { reason: { description: 'Filter, e.g. no_click, duplicate_order, bad_amount, unknown_code.' } }),
      responses: { 200: ok('Entries', z.object({ entries: z.array(S.RequestLogEntry) })), 400: badInput, 403: forbidden },
    },
  },
  '/api/v1/orders': {
    post: {
      operationId: 'notifyOrders', summary: 'Notify an order at confirmation (one, or { orders: [...] } up to 1,000); the offer email is queued, never awaited',
      body: z.union([S.OrderInput, S.OrderBatchInput]),
      responses: {
        202: ok('Stored (a batch reports each item, with `orders.N.field` on failures)', z.union([z.object({ order: S.OrderResult }), S.OrderBatchResult])),
        400: { description: 'Invalid input (Error); for a batch whose every item failed, the batch report', json: z.union([S.ErrorBody, S.OrderBatchResult]) },
        415: unsupported,
      },
    },
  },
  '/api/v1/events': {
    post: {
      operationId: 'generateEvents', summary: 'Generate an event (one, or { events: [...] } up to 1,000): order events feed revenue from campaigns',
      body: z.union([S.EventInput, S.EventBatchInput]),
      responses: {
        202: ok('Applied (a batch reports each item, with `events.N.field` on failures)', z.union([z.object({ event: S.EventResult }), S.EventBatchResult])),
        400: { description: 'Invalid input (Error); for a batch whose every item failed, the batch report', json: z.union([S.ErrorBody, S.EventBatchResult]) },
        404: errorAnswer('`unknown_order`: order_status names no order of the account.'),
        409: errorAnswer('`customer_mismatch`: the customer key is not the order\'s customer.'), 415: unsupported,
      },
    },
  },
  '/api/v1/revenue/settings': {
    get: { operationId: 'getRevenueSettings', summary: 'The account\'s revenue settings (the defaults until changed)', responses: { 200: settingsAnswer } },
    patch: {
      operationId: 'updateRevenueSettings', summary: 'Change revenue settings; reports use them at once (the account\'s orders are re-attributed)',
      body: documented(settingsPatch, { currency: { description: 'ISO 4217.' } }),
      responses: { 200: settingsAnswer, 400: badInput, 415: unsupported },
    },
  },
  '/api/v1/revenue/report': {
    get: {
      operationId: 'getRevenueReport', summary: 'Revenue from campaigns for a period (default: the last 30 days)', query: reportQuery,
      responses: { 200: ok('The report', z.object({ report: S.RevenueReport })), ...reportFormats.responses },
    },
  },
  '/api/v1/revenue/report.csv': {
    get: {
      operationId: 'getRevenueReportCsv', summary: 'The same report as CSV (RFC 4180; amount columns name the currency)', query: reportQuery,
      responses: { 200: text('CSV, as an attachment.', 'text/csv'), ...reportFormats.responses },
    },
  },
  '/api/v1/revenue/report.txt': {
    get: {
      operationId: 'getRevenueReportText', summary: 'The same report as text to copy (summary, then tab-separated rows)', query: reportQuery,
      responses: { 200: text('Plain text.', 'text/plain'), ...reportFormats.responses },
    },
  },
  '/api/v1/revenue/report.html': {
    get: {
      operationId: 'getRevenueReportHtml', summary: 'The same report as a standalone HTML page', query: reportQuery,
      responses: { 200: text('HTML.', 'text/html'), ...reportFormats.responses },
    },
  },
  '/api/v1/reinvest': {
    post: {
      operationId: 'reinvestEarnings', summary: 'Move approved earnings into advertising credit for the account\'s own campaigns',
      params: [idempotencyHeader('Makes a retry safe.')], body: S.ReinvestInput,
      responses: {
        201: ok('Moved', S.Reinvested), 200: ok('Already moved under this Idempotency-Key', S.Reinvested),
        400: badInput, 403: forbidden, 409: conflict, 415: unsupported,
      },
    },
  },
  '/webhooks/mailgun': {
    post: {
      operationId: 'receiveMailgunWebhook', public: true,
      summary: 'Mailgun webhook (accepted, delivered, opened, clicked, failed): HMAC-SHA256 signed, fresh, never replayed, deduplicated by event id',
      body: S.MailgunWebhook,
      responses: {
        200: ok('Recorded, duplicate or ignored', S.WebhookResult),
        406: errorAnswer('Bad or stale signature, reused token, or no event: refused and not to be retried.'),
        503: errorAnswer('MAILGUN_WEBHOOK_SIGNING_KEY is not configured.'),
      },
    },
  },
  '/c/{code}': {
    get: {
      operationId: 'followLink', public: true,
      summary: 'Tracked link: records the click, sets the network cookie, redirects to the landing URL with nclid',
      params: [{ name: 'code', in: 'path', required: true, description: 'The link code.', schema: z.string() }, ...[1, 2, 3, 4, 5].map((n) => queryParam(`sub${n}`, 'Sub-id, recorded with the click.'))],
      responses: {
        302: { description: 'To a landing URL registered on the campaign, with `nclid` appended.', headers: { Location: { schema: { type: 'string' } } } },
        404: text('Unknown or paused link: a friendly HTML page.', 'text/html'),
      },
    },
  },
  '/px': {
    get: {
      operationId: 'trackPixel', public: true,
      summary: 'Image pixel conversion; always answers the 1×1 GIF (the request log says why a hit was ignored)', params: conversionParams,
      responses: { 200: text('A 1×1 GIF.', 'image/gif', { format: 'binary' }) },
    },
    post: {
      operationId: 'trackBeacon', public: true, summary: 'The tracker\'s beacon (form-encoded, preflight-free)', body: S.BeaconForm, bodyType: form,
      responses: {
        202: ok('Recorded or duplicate (an order reported by a shop\'s page: BeaconOrderResult)', z.union([S.TrackingResult, S.BeaconOrderResult])),
        400: badInput, 415: errorAnswer('Not form-encoded.'),
      },
    },
  },
  '/conv': {
    post: {
      operationId: 'trackForm', public: true, summary: 'HTML form conversion; redirects the buyer to the tracking code\'s redirection URL', body: S.ConvForm, bodyType: form,
      responses: {
        303: { description: 'To the thank-you page (also when the order data was bad: the buyer has paid).' },
        200: text('Recorded; the code has no redirection URL (HTML).', 'text/html'),
        400: text('Unknown tracking code (HTML).', 'text/html'),
      },
    },
  },
  '/postback': {
    get: {
      operationId: 'trackPostback', public: true,
      summary: 'Server-to-server postback, authenticated by `token` (the postback secret) or an HMAC `signature`',
      params: [
        ...conversionParams, queryParam('token', 'The tracking code\'s postback secret.'), queryParam('ts', 'Unix time in seconds, for a signature.'),
        queryParam('signature', 'hex HMAC-SHA256(secret, "t|id|amount|currency|nclid|ts").'),
      ],
      responses: {
        201: ok('Recorded', S.TrackingResult), 200: ok('Duplicate', S.TrackingResult), 400: badInput,
        401: errorAnswer('Bad token or signature, or a stale ts.'), 404: errorAnswer('Unknown or paused tracking code.'),
      },
    },
    post: {
      operationId: 'trackPostbackForm', public: true, summary: 'The same postback, form-encoded', body: S.PostbackForm, bodyType: form,
      responses: {
        201: ok('Recorded', S.TrackingResult), 200: ok('Duplicate', S.TrackingResult), 400: badInput,
        401: errorAnswer('Bad token or signature, or a stale ts.'), 404: errorAnswer('Unknown or paused tracking code.'),
      },
    },
  },
}

// —— Generation ——

const refPrefix = '#/components/schemas/'
const slotPrefix = 'slot_'
const safeLimits = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])

/**
 * Every zod schema of the document converted in one pass: the components under their names, each schema
 * used in an operation under a slot id, so references between them resolve to components.schemas.
 */
function convert(slots: z.ZodType[]): { components: Record<string, Json>; slot(schema: z.ZodType): Json } {
  const registry = z.registry<{ id: string }>()
  const named = new Map<z.ZodType, string>()
  for (const [name, schema] of Object.entries(components)) {
    registry.add(schema, { id: name })
    named.set(schema, name)
  }
  // A clone stands for the schema (same checks, its metadata inherited): a schema used in an operation may
  // also be nested in another (idString, in a path and in bodies), and must stay inline there.
  const slotIds = new Map<z.ZodType, string>()
  for (const schema of slots) {
    if (named.has(schema) || slotIds.has(schema)) continue
    slotIds.set(schema, `${slotPrefix}${slotIds.size}`)
    registry.add(schema.clone(), { id: slotIds.get(schema) as string })
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12', io: 'input', unrepresentable: 'any', uri: (id) => `${refPrefix}${id}`,
    override: ({ jsonSchema }) => {
      // z.number().int() states the safe-integer range; every JSON integer the API handles is in it.
      if (safeLimits.has(jsonSchema.minimum as number)) delete jsonSchema.minimum
      if (safeLimits.has(jsonSchema.maximum as number)) delete jsonSchema.maximum
    },
  }) as { schemas: Record<string, Json> }
  const clean = ({ $schema: _s, $id: _i, ...rest }: Json): Json => rest
  return {
    components: Object.fromEntries([...named.values()].map((name) => [name, clean(schemas[name] as Json)])),
    slot: (schema) => (named.has(schema) ? { $ref: `${refPrefix}${named.get(schema)}` } : clean(schemas[slotIds.get(schema) as string] as Json)),
  }
}

/** The query object's fields as parameters: required unless optional, the field's description lifted to the parameter. */
const queryParams = (query: z.ZodObject): Param[] =>
  Object.entries(query.shape as Shape).map(([name, schema]) => ({ name, in: 'query' as const, required: !schema.safeParse(undefined).success, schema }))

function build() {
  const operations = Object.values(paths).flatMap((item) => Object.values(item))
  const paramsOf = (op: Operation) => [...(op.params ?? []), ...(op.query ? queryParams(op.query) : [])]
  const slots = operations.flatMap((op) => [
    ...paramsOf(op).map((p) => p.schema), ...(op.body ? [op.body] : []),
    ...Object.values(op.responses).flatMap((a) => (a.json ? [a.json] : [])),
  ])
  const schemas = convert(slots)

  const operationJson = (op: Operation): Json => {
    const responses: Record<string, Json> = {}
    const all = op.public ? op.responses : { ...op.responses, 401: unauthenticated }
    for (const [status, answer] of Object.entries(all).sort(([a], [b]) => Number(a) - Number(b))) {
      responses[status] = {
        description: answer.description,
        ...(answer.headers && { headers: answer.headers }),
        ...(answer.json ? { content: { 'application/json': { schema: schemas.slot(answer.json) } } } : answer.content && { content: answer.content }),
      }
    }
    const parameters = paramsOf(op).map((p) => {
      const { description, ...schema } = schemas.slot(p.schema)
      return { name: p.name, in: p.in, required: p.required, ...((p.description ?? description) ? { description: p.description ?? description } : {}), schema }
    })
    return {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.public && { security: [] }),
      ...(parameters.length > 0 && { parameters }),
      ...(op.body && { requestBody: { required: op.bodyRequired ?? true, content: { [op.bodyType ?? 'application/json']: { schema: schemas.slot(op.body) } } } }),
      responses,
    }
  }
  const pathsJson = Object.fromEntries(Object.entries(paths).map(([path, item]) => [
    path, Object.fromEntries(Object.entries(item).map(([method, op]) => [method, operationJson(op)])),
  ]))
  return { components: schemas.components, paths: pathsJson }
}

export function openApiDocument(publicUrl: string) {
  const { components: schemas, paths: documentPaths } = build()
  return {
    openapi: '3.1.0',
    info: {
      title: 'Affiliate network API',
      version: '1.0.0',
      description: 'Management API (API key: `Authorization: Bearer <key>`), conversion ingestion and the public tracking endpoints. '
        + 'Money is integer minor units plus an ISO 4217 currency, with a formatted decimal string. '
        + 'Another account\'s resources answer 404 exactly like missing ones.',
    },
    servers: [{ url: publicUrl }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (nw_…); also accepted as X-Api-Key.' } },
      schemas,
    },
    paths: documentPaths,
  }
}
