// The OpenAPI 3.1 description of the management API, POST /api/v1/conversions and the public tracking
// endpoints, written by hand next to the routes it describes. test/api/openapi.test.ts checks that every
// route the router serves is listed here and nothing else.

type Schema = Record<string, unknown>

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description && { description }), ...extra })
const int = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', description, ...extra })
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] })
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties), extra: Schema = {}): Schema => ({
  type: 'object', properties, required, ...extra,
})
const input = (properties: Record<string, Schema>, required: string[]): Schema => obj(properties, required, { additionalProperties: false })
const dateTime = str(undefined, { format: 'date-time' })
const decimal = (description: string): Schema => ({ oneOf: [str(undefined, { pattern: '^\\d+(\\.\\d+)?$' }), { type: 'number', minimum: 0 }], description })

const jsonBody = (schema: Schema, required = true) => ({ required, content: { 'application/json': { schema } } })
const ok = (description: string, schema: Schema) => ({ description, content: { 'application/json': { schema } } })
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } })
const noContent = { description: 'Done; no body.' }

const badInput = errorResponse('Invalid input: `error.field` names the offending field.')
const unauthenticated = errorResponse('No API key, or an unknown or revoked one.')
const forbidden = errorResponse('The account lacks the role, or is not active.')
const missing = errorResponse('Not found — also when it belongs to another account.')
const unsupported = errorResponse('The body is not application/json.')
const conflict = errorResponse('The resource is not in a state that allows this.')

const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: str() })
const query = (name: string, description: string, schema: Schema = str()) => ({ name, in: 'query', required: false, description, schema })
const idParam = (what: string) => pathParam('id', `The ${what}'s id.`)
const asParam = query('as', 'For accounts that are both: act as advertiser (the default when the account is one) or publisher.', str(undefined, { enum: ['advertiser', 'publisher'] }))
const fromParam = query('from', 'ISO 8601 date or date-time; inclusive.', str(undefined, { examples: ['2025-01-01'] }))
const toParam = query('to', 'ISO 8601 date-time (exclusive) or date (that whole day included).', str(undefined, { examples: ['2025-01-31'] }))
const limitParam = (max: number) => query('limit', `How many, newest first (1–${max}, default 100).`, { type: 'integer', minimum: 1, maximum: max })

const secured = (summary: string, operation: Schema, errors: Record<string, unknown> = {}) => ({
  summary, ...operation, responses: { ...(operation.responses as Schema), 401: unauthenticated, ...errors },
})

const saleRuleInput: Schema = {
  oneOf: [
    input({ kind: { const: 'percent' }, percent: decimal('A percentage of the sale with up to 2 decimals, e.g. "12.5".') }, ['kind', 'percent']),
    input({ kind: { const: 'fixed' }, amount: decimal('A fixed amount per sale in the campaign currency, e.g. "5.00".') }, ['kind', 'amount']),
  ],
}
const leadRuleInput = input({ kind: { const: 'fixed' }, amount: decimal('A fixed amount per lead in the campaign currency.') }, ['amount'])
const campaignInputProperties = {
  name: str(undefined, { maxLength: 200 }),
  description: str('Shown to buyers in offer emails.', { maxLength: 2000 }),
  currency: str('ISO 4217 code.', { examples: ['EUR'] }),
  landingUrls: { type: 'array', items: str('Absolute http(s) URL.', { format: 'uri' }), minItems: 1, maxItems: 20, description: 'The only URLs a click may land on; the first is the default.' },
  cookieWindowDays: { type: 'integer', minimum: 1, maximum: 365, default: 30 },
  holdDays: { type: 'integer', minimum: 0, maximum: 365, default: 30, description: 'Days before a pending conversion is approved automatically.' },
  attribution: str(undefined, { enum: ['last_click', 'first_click'], default: 'last_click' }),
  saleRule: nullable(saleRuleInput),
  leadRule: nullable(leadRuleInput),
  status: str(undefined, { enum: ['active', 'paused'], default: 'active' }),
  firstPartyPath: nullable(str('First-party mode: the path of the landing site proxied to the network, e.g. "/_nw". Clicks then go through it.', { maxLength: 40, pattern: '^/[\\w.~-]+(/[\\w.~-]+)*$' })),
}

/** A change of one channel's rule: any of its fields; the rest stay. */
const channelRulePatch = input({
  event: str(undefined, { enum: ['sent', 'delivered', 'opened', 'clicked'] }), window: { type: 'integer', minimum: 1 },
  unit: str(undefined, { enum: ['hours', 'days', 'weeks'] }),
}, [])

const schemas: Record<string, Schema> = {
  Error: obj({ error: obj({ code: str('Machine-readable, e.g. `invalid`, `not_found`, `email_taken`.'), message: str(), field: str('The offending field, when there is one.') }, ['code', 'message']) }),
  Money: obj({ amount: int('Integer minor units (cents).'), currency: str('ISO 4217.'), formatted: str('Decimal string, e.g. "19.95".') }),
  Account: obj({
    id: str(), name: str(), email: str(undefined, { format: 'email' }),
    roles: { type: 'array', items: str(undefined, { enum: ['advertiser', 'publisher', 'admin'] }) },
    status: str(undefined, { enum: ['pending', 'active', 'suspended'] }), createdAt: dateTime,
  }),
  ApiKey: obj({ id: str(), name: str(), prefix: str('The first characters of the key.'), createdAt: dateTime, revokedAt: nullable(dateTime) }),
  NewApiKey: { allOf: [ref('ApiKey'), obj({ key: str('The whole key: shown only in this answer.') })] },
  Rule: nullable({
    oneOf: [
      obj({ kind: { const: 'percent' }, percent: str('e.g. "12.5"'), basisPoints: int('1 % = 100.') }),
      obj({ kind: { const: 'fixed' }, amount: ref('Money') }),
    ],
  }),
  Override: obj({ campaignId: str(), publisherId: str(), saleRule: ref('Rule'), leadRule: ref('Rule') }),
  Campaign: obj({
    id: str(), advertiserId: str(), name: str(), description: str(), status: str(undefined, { enum: ['active', 'paused'] }), currency: str(),
    landingUrls: { type: 'array', items: str() }, cookieWindowDays: { type: 'integer' }, holdDays: { type: 'integer' },
    attribution: str(undefined, { enum: ['last_click', 'first_click'] }), saleRule: ref('Rule'), leadRule: ref('Rule'), firstPartyPath: nullable(str()), createdAt: dateTime,
    overrides: { type: 'array', items: ref('Override'), description: 'Only in GET /campaigns/{id}.' },
  }, ['id', 'advertiserId', 'name', 'description', 'status', 'currency', 'landingUrls', 'cookieWindowDays', 'holdDays', 'attribution', 'saleRule', 'leadRule', 'firstPartyPath', 'createdAt']),
  PublicCampaign: obj({
    id: str(), name: str(), description: str(), currency: str(), landingUrls: { type: 'array', items: str() },
    cookieWindowDays: { type: 'integer' }, attribution: str(), saleRule: ref('Rule'), leadRule: ref('Rule'),
  }),
  Link: obj({
    id: str(), code: str(), url: str('The tracked URL to share; sub1…sub5 query parameters are recorded with each click.'),
    campaignId: str(), landingUrl: str(), status: str(undefined, { enum: ['active', 'paused'] }), createdAt: dateTime,
  }),
  Snippets: obj({
    scriptTag: str('Every page: queue stub + async tracker tag.'), conversionCall: str('Thank-you page: nw(\'conversion\', …).'),
    pixel: str('GET image pixel.'), form: str('HTML form posting to /conv.'), postbackUrl: str('Postback with the secret as token.'),
    postbackSignedUrl: str('Postback with an HMAC signature.'), postbackSignature: str('How to compute the signature.'),
    curl: str(), node: str(), php: str(), python: str(),
  }),
  TrackingCode: obj({
    id: str(), code: str('The public code (t=…).'), campaignId: str(), name: str(), method: str(undefined, { enum: ['GET', 'POST'] }),
    redirectUrl: nullable(str()), postbackSecret: str('Shared secret for postbacks (token or HMAC key).'),
    status: str(undefined, { enum: ['active', 'paused'] }), createdAt: dateTime, snippets: ref('Snippets'),
  }),
  Conversion: obj({
    id: str(), orderId: str(), type: str(undefined, { enum: ['sale', 'lead'] }), status: str(undefined, { enum: ['pending', 'approved', 'declined', 'reversed'] }),
    source: str(undefined, { enum: ['script', 'pixel', 'form', 'postback', 'api', 'email'] }), reason: str('`attributed`, or why not.'),
    campaignId: nullable(str()), trackingCodeId: nullable(str()), publisherId: nullable(str()), clickId: nullable(str()),
    amount: ref('Money'), commission: ref('Money'), commissionRule: nullable({ type: 'object' }), refunded: ref('Money'), reversedCommission: ref('Money'),
    customerEmail: { ...nullable(str()), description: 'Only shown to the advertiser.' }, createdAt: dateTime, approveAt: nullable(dateTime), decidedAt: nullable(dateTime),
  }, ['id', 'orderId', 'type', 'status', 'source', 'reason', 'campaignId', 'trackingCodeId', 'publisherId', 'clickId', 'amount', 'commission', 'commissionRule', 'refunded', 'reversedCommission', 'createdAt', 'approveAt', 'decidedAt']),
  Balance: obj({ currency: str(), pending: ref('Money'), approved: ref('Money'), paid: ref('Money'), credit: ref('Money') }),
  LedgerEntry: obj({
    id: str(), bucket: str(undefined, { enum: ['pending', 'approved', 'paid', 'credit'] }),
    kind: str(undefined, { enum: ['commission', 'approval', 'decline', 'reversal', 'payout', 'reinvest', 'spend'] }),
    amount: ref('Money'), conversionId: nullable(str()), payoutId: nullable(str()), memo: nullable(str()), createdAt: dateTime,
  }),
  RequestLogEntry: obj({
    id: str(), at: dateTime, kind: str(undefined, { enum: ['click', 'pixel', 'form', 'script', 'postback', 'api', 'order'] }),
    outcome: str(undefined, { enum: ['accepted', 'rejected'] }), reason: str(), trackingCodeId: nullable(str()), linkId: nullable(str()),
    conversionId: nullable(str()), clickId: nullable(str()), params: { type: 'object', additionalProperties: str() }, userAgent: nullable(str()),
  }),
  OrderInput: obj({
    orderId: str('The order id in the shop\'s system; a later notification with the same id updates the order.', { maxLength: 100 }),
    amount: decimal('The order total.'), currency: str('ISO 4217.'), email: str('The buyer, for the offer email.', { format: 'email' }),
    customerId: str(undefined, { maxLength: 100 }), name: str('The buyer\'s name.', { maxLength: 200 }),
    status: str(undefined, { enum: ['initialized', 'in_progress', 'delivered', 'cancelled', 'refunded'], default: 'initialized' }),
    orderedAt: str(undefined, { format: 'date-time' }),
    items: { type: 'array', maxItems: 200, items: obj({ sku: str(), name: str(), quantity: { type: 'integer', minimum: 1, default: 1 }, price: decimal('Unit price.') }, ['name', 'price']) },
    sendOffers: { type: 'boolean', default: true },
  }, ['orderId', 'amount', 'currency']),
  OrderResult: obj({
    id: str(), orderId: str(), status: str(), created: { type: 'boolean' }, total: ref('Money'), orderedAt: dateTime,
    message: nullable(obj({ id: str(), status: str(undefined, { enum: ['queued', 'sending', 'sent', 'failed', 'suppressed'] }) })),
  }),
  TrackingResult: obj({
    status: str(undefined, { enum: ['recorded', 'duplicate'] }), reason: str(),
    conversion: obj({ id: str(), orderId: str(), type: str(), status: str(), attributed: { type: 'boolean' } }),
  }),
  EventInput: obj({
    type: str('`order`: add or update an order (parameters: the fields of OrderInput). `order_status`: change a known order\'s status (parameters: orderId, status).', { enum: ['order', 'order_status'] }),
    customer: {
      oneOf: [str('An email, or a customer id.'), obj({ id: str(undefined, { maxLength: 100 }), email: str(undefined, { format: 'email' }) }, [])],
      description: 'The customer key: id or email (at least one).',
    },
    parameters: { type: 'object', description: 'order: orderId, amount, currency, status, orderedAt, items, name. order_status: orderId, status.' },
  }, ['type', 'customer']),
  EventResult: obj({
    type: str(undefined, { enum: ['order', 'order_status'] }),
    order: obj({ id: str(), orderId: str(), status: str(), created: { type: 'boolean' } }),
  }),
  ChannelRule: obj({
    event: str('The message event that links it to a sale.', { enum: ['sent', 'delivered', 'opened', 'clicked'] }),
    window: int('How long after that event a purchase is still its sale (at most 90 days in all).', { minimum: 1 }),
    unit: str(undefined, { enum: ['hours', 'days', 'weeks'] }),
  }),
  RevenueSettings: obj({
    channels: obj({ email: { allOf: [ref('ChannelRule'), obj({ formula: str('The rule in words.') })] }, sms: { allOf: [ref('ChannelRule'), obj({ formula: str() })] } }),
    currency: str('Only orders in this currency count.'), excludedTags: { type: 'array', items: str(), description: 'Messages with these tags are listed, but earn no revenue.' },
    version: int('0 while the defaults apply; + 1 at every change.'), isDefault: { type: 'boolean' }, updatedAt: nullable(dateTime),
  }),
  RevenueCampaign: obj({
    campaignId: str(), name: str(), advertiserId: str(), advertiserName: str(), channels: { type: 'array', items: str() },
    purchases: int('Purchases that belong to its messages, in the currency, neither cancelled nor refunded.'), averageCheck: nullable(ref('Money')),
    revenue: ref('Money'), excluded: obj({ purchases: { type: 'integer' }, revenue: ref('Money') }),
    earned: { ...ref('Money'), description: 'Publisher view: commissions from this campaign\'s offers in the messages.' },
    formula: str('e.g. "A sale is a purchase within 24 hours after a click on the email."'),
  }, ['campaignId', 'name', 'advertiserId', 'advertiserName', 'channels', 'purchases', 'averageCheck', 'revenue', 'excluded', 'formula']),
  RevenueReport: obj({
    view: str('advertiser: the account\'s orders; shop: orders that belong to messages sent in its name.', { enum: ['advertiser', 'shop'] }),
    from: dateTime, to: dateTime, currency: str(), excludedTags: { type: 'array', items: str() },
    pending: int('Orders of the period still being re-attributed after a settings change (0 normally); the figures update when it is 0.'),
    totals: obj({
      campaigns: { type: 'integer' }, purchases: { type: 'integer' }, averageCheck: nullable(ref('Money')), revenue: ref('Money'),
      earned: ref('Money'),
    }, ['campaigns', 'purchases', 'averageCheck', 'revenue']),
    campaigns: { type: 'array', items: ref('RevenueCampaign') },
  }),
}

const conversionParams = [
  query('t', 'The tracking code.'), query('id', 'The order id (unique per advertiser).'), query('amount', 'Decimal amount, e.g. 19.95.'),
  query('currency', 'ISO 4217; the campaign currency when omitted.'), query('type', '`sale` (default) or `lead`.'), query('nclid', 'The click id, when known.'),
]

const paths: Record<string, Record<string, unknown>> = {
  '/api/v1/openapi.json': {
    get: { summary: 'This document', security: [], responses: { 200: ok('OpenAPI 3.1 document', { type: 'object' }) } },
  },
  '/api/v1/me': {
    get: secured('The caller\'s account', { responses: { 200: ok('The account', obj({ account: ref('Account') })) } }),
  },
  '/api/v1/api-keys': {
    get: secured('The caller\'s API keys (never the keys themselves)', { responses: { 200: ok('Keys', obj({ apiKeys: { type: 'array', items: ref('ApiKey') } })) } }),
    post: secured('Create an API key; the key is shown once', {
      requestBody: jsonBody(input({ name: str(undefined, { maxLength: 200 }) }, ['name'])),
      responses: { 201: ok('The new key', obj({ apiKey: ref('NewApiKey'), note: str() })) },
    }, { 400: badInput, 415: unsupported }),
  },
  '/api/v1/api-keys/{id}': {
    delete: secured('Revoke one of the caller\'s keys', { parameters: [idParam('API key')], responses: { 204: noContent } }, { 404: missing }),
  },
  '/api/v1/accounts': {
    get: secured('All accounts (admin)', { responses: { 200: ok('Accounts', obj({ accounts: { type: 'array', items: ref('Account') } })) } }, { 403: forbidden }),
    post: secured('Create an account with a first API key, shown once (admin)', {
      requestBody: jsonBody(input({
        name: str(undefined, { maxLength: 200 }), email: str(undefined, { format: 'email' }),
        roles: { type: 'array', items: str(undefined, { enum: ['advertiser', 'publisher', 'admin'] }), minItems: 1 },
        status: str(undefined, { enum: ['pending', 'active', 'suspended'], default: 'active' }),
      }, ['name', 'email', 'roles'])),
      responses: { 201: ok('The account and its key', obj({ account: ref('Account'), apiKey: ref('NewApiKey'), note: str() })) },
    }, { 400: badInput, 403: forbidden, 409: errorResponse('`email_taken`: the email belongs to another account.'), 415: unsupported }),
  },
  '/api/v1/accounts/{id}': {
    get: secured('One account (admin)', { parameters: [idParam('account')], responses: { 200: ok('The account', obj({ account: ref('Account') })) } }, { 403: forbidden, 404: missing }),
    patch: secured('Approve, suspend, rename or change roles (admin)', {
      parameters: [idParam('account')],
      requestBody: jsonBody(input({
        name: str(undefined, { maxLength: 200 }), status: str(undefined, { enum: ['pending', 'active', 'suspended'] }),
        roles: { type: 'array', items: str(undefined, { enum: ['advertiser', 'publisher', 'admin'] }), minItems: 1 },
      }, [])),
      responses: { 200: ok('The account', obj({ account: ref('Account') })) },
    }, { 400: badInput, 403: forbidden, 404: missing, 409: errorResponse('`own_account`: an admin cannot lock itself out.'), 415: unsupported }),
  },
  '/api/v1/campaigns': {
    get: secured('Advertiser: its own campaigns. Publisher: every active campaign (public fields).', {
      parameters: [asParam],
      responses: { 200: ok('Campaigns', obj({ campaigns: { type: 'array', items: { oneOf: [ref('Campaign'), ref('PublicCampaign')] } } })) },
    }, { 400: badInput, 403: forbidden }),
    post: secured('Create a campaign (advertiser)', {
      requestBody: jsonBody(input(campaignInputProperties, ['name', 'currency', 'landingUrls'])),
      responses: { 201: ok('The campaign', obj({ campaign: ref('Campaign') })) },
    }, { 400: badInput, 403: forbidden, 415: unsupported }),
  },
  '/api/v1/campaigns/{id}': {
    get: secured('One campaign: in full with its overrides for its advertiser, public fields for a publisher when active', {
      parameters: [idParam('campaign')],
      responses: { 200: ok('The campaign', obj({ campaign: { oneOf: [ref('Campaign'), ref('PublicCampaign')] } })) },
    }, { 404: missing }),
    patch: secured('Change a campaign (its advertiser); changing the currency needs fixed rules restated', {
      parameters: [idParam('campaign')],
      requestBody: jsonBody(input(campaignInputProperties, [])),
      responses: { 200: ok('The campaign', obj({ campaign: ref('Campaign') })) },
    }, { 400: badInput, 403: forbidden, 404: missing, 409: errorResponse('`currency_in_use`: fixed-amount overrides exist.'), 415: unsupported }),
  },
  '/api/v1/campaigns/{id}/overrides': {
    get: secured('The per-publisher commission overrides of a campaign', {
      parameters: [idParam('campaign')], responses: { 200: ok('Overrides', obj({ overrides: { type: 'array', items: ref('Override') } })) },
    }, { 403: forbidden, 404: missing }),
  },
  '/api/v1/campaigns/{id}/overrides/{publisherId}': {
    put: secured('Create or replace a publisher\'s commission override; a null rule keeps the campaign\'s', {
      parameters: [idParam('campaign'), pathParam('publisherId', 'A publisher account id.')],
      requestBody: jsonBody(input({ saleRule: nullable(saleRuleInput), leadRule: nullable(leadRuleInput) }, [])),
      responses: { 200: ok('The override', obj({ override: ref('Override') })) },
    }, { 400: badInput, 403: forbidden, 404: missing, 415: unsupported }),
    delete: secured('Remove a publisher\'s override', {
      parameters: [idParam('campaign'), pathParam('publisherId', 'A publisher account id.')], responses: { 204: noContent },
    }, { 403: forbidden, 404: missing }),
  },
  '/api/v1/links': {
    get: secured('The caller\'s tracked links (publisher)', {
      responses: { 200: ok('Links', obj({ links: { type: 'array', items: ref('Link') }, note: str() })) },
    }, { 403: forbidden }),
    post: secured('Create a tracked link to an active campaign (publisher)', {
      requestBody: jsonBody(input({ campaignId: str(), landingUrl: str('One of the campaign\'s landing URLs; the first when omitted.') }, ['campaignId'])),
      responses: { 201: ok('The link', obj({ link: ref('Link'), note: str() })) },
    }, { 400: badInput, 403: forbidden, 415: unsupported }),
  },
  '/api/v1/links/{id}': {
    get: secured('One of the caller\'s links', { parameters: [idParam('link')], responses: { 200: ok('The link', obj({ link: ref('Link'), note: str() })) } }, { 403: forbidden, 404: missing }),
    patch: secured('Pause or resume a link', {
      parameters: [idParam('link')], requestBody: jsonBody(input({ status: str(undefined, { enum: ['active', 'paused'] }) }, ['status'])),
      responses: { 200: ok('The link', obj({ link: ref('Link') })) },
    }, { 400: badInput, 403: forbidden, 404: missing, 415: unsupported }),
  },
  '/api/v1/tracking-codes': {
    get: secured('The caller\'s tracking codes with snippets (advertiser)', {
      responses: { 200: ok('Tracking codes', obj({ trackingCodes: { type: 'array', items: ref('TrackingCode') } })) },
    }, { 403: forbidden }),
    post: secured('Create a tracking code for one of the caller\'s campaigns', {
      requestBody: jsonBody(input({
        campaignId: str(), name: str(undefined, { maxLength: 200 }), method: str(undefined, { enum: ['GET', 'POST'], default: 'GET' }),
        redirectUrl: { ...nullable(str(undefined, { format: 'uri' })), description: 'The thank-you page a POST form redirects to; required for POST.' },
      }, ['campaignId', 'name'])),
      responses: { 201: ok('The tracking code', obj({ trackingCode: ref('TrackingCode') })) },
    }, { 400: badInput, 403: forbidden, 415: unsupported }),
  },
  '/api/v1/tracking-codes/{id}': {
    get: secured('One tracking code, with its postback secret and snippets', {
      parameters: [idParam('tracking code')], responses: { 200: ok('The tracking code', obj({ trackingCode: ref('TrackingCode') })) },
    }, { 403: forbidden, 404: missing }),
    patch: secured('Change a tracking code, or rotate its postback secret', {
      parameters: [idParam('tracking code')],
      requestBody: jsonBody(input({
        name: str(undefined, { maxLength: 200 }), method: str(undefined, { enum: ['GET', 'POST'] }), redirectUrl: nullable(str(undefined, { format: 'uri' })),
        status: str(undefined, { enum: ['active', 'paused'] }), rotateSecret: { const: true },
      }, [])),
      responses: { 200: ok('The tracking code', obj({ trackingCode: ref('TrackingCode') })) },
    }, { 400: badInput, 403: forbidden, 404: missing, 415: unsupported }),
  },
  '/api/v1/conversions': {
    get: secured('Conversions: the advertiser\'s own, or those credited to the publisher (newest first)', {
      parameters: [asParam, query('status', 'Filter.', str(undefined, { enum: ['pending', 'approved', 'declined', 'reversed'] })), query('campaignId', 'Filter.'), fromParam, toParam, limitParam(500)],
      responses: { 200: ok('Conversions', obj({ conversions: { type: 'array', items: ref('Conversion') } })) },
    }, { 400: badInput, 403: forbidden }),
    post: secured('Report a sale or lead from the advertiser\'s server; the order id is the idempotency key', {
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'For a lead without an order id.', schema: str(undefined, { maxLength: 100 }) }],
      requestBody: jsonBody(obj({
        orderId: str('Unique per advertiser.'), amount: decimal('The order amount.'), currency: str('ISO 4217; the campaign\'s when omitted.'),
        type: str(undefined, { enum: ['sale', 'lead'], default: 'sale' }), clickId: str('The nclid the visitor landed with (the tracker keeps the latest in the _nclid cookie).'),
        firstClickId: str('The first click id the visitor landed with (the tracker keeps it in the _nclid1 cookie); the campaign\'s first- or last-click model chooses between the two.'),
        campaignId: str('The campaign an unattributed conversion belongs to.'), customerEmail: str(undefined, { format: 'email' }),
      }, [])),
      responses: {
        201: ok('Recorded', obj({ conversion: ref('Conversion'), reason: str('`attributed`, or why not.') })),
        200: ok('Already recorded (Idempotent-Replayed: true); `upgraded` when this request brought the attributable click the stored conversion lacked', obj({ conversion: ref('Conversion'), reason: { enum: ['duplicate_order', 'upgraded', 'duplicate_order_decided', 'duplicate_order_late'] } })),
      },
    }, { 400: badInput, 403: forbidden, 415: unsupported }),
  },
  '/api/v1/conversions/{id}': {
    get: secured('One conversion of the caller (as advertiser or credited publisher)', {
      parameters: [idParam('conversion')], responses: { 200: ok('The conversion', obj({ conversion: ref('Conversion') })) },
    }, { 404: missing }),
  },
  '/api/v1/conversions/{id}/approve': {
    post: secured('Approve a pending conversion before its hold period ends (advertiser)', {
      parameters: [idParam('conversion')], responses: { 200: ok('The conversion', obj({ conversion: ref('Conversion') })) },
    }, { 403: forbidden, 404: missing, 409: conflict }),
  },
  '/api/v1/conversions/{id}/decline': {
    post: secured('Decline a pending conversion (advertiser)', {
      parameters: [idParam('conversion')], requestBody: jsonBody(input({ reason: str(undefined, { maxLength: 500 }) }, []), false),
      responses: { 200: ok('The conversion', obj({ conversion: ref('Conversion') })) },
    }, { 400: badInput, 403: forbidden, 404: missing, 409: conflict, 415: unsupported }),
  },
  '/api/v1/conversions/{id}/refund': {
    post: secured('Refund or charge back a sale, in part or in full; the commission follows', {
      parameters: [idParam('conversion')],
      requestBody: jsonBody(input({
        amount: decimal('In the conversion currency; all that is left when omitted.'), kind: str(undefined, { enum: ['refund', 'chargeback'], default: 'refund' }),
        reason: str(undefined, { maxLength: 500 }),
      }, []), false),
      responses: { 200: ok('The conversion', obj({ conversion: ref('Conversion') })) },
    }, { 400: badInput, 403: forbidden, 404: missing, 409: conflict, 415: unsupported }),
  },
  '/api/v1/balance': {
    get: secured('The caller\'s balances per currency, derived from the ledger', {
      responses: { 200: ok('Balances', obj({ balances: { type: 'array', items: ref('Balance') } })) },
    }),
  },
  '/api/v1/ledger': {
    get: secured('The caller\'s ledger entries, newest first', {
      parameters: [limitParam(1000)], responses: { 200: ok('Entries', obj({ entries: { type: 'array', items: ref('LedgerEntry') } })) },
    }, { 400: badInput }),
  },
  '/api/v1/request-log': {
    get: secured('Every tracking request that concerned the advertiser, with outcome and reason, newest first', {
      parameters: [
        query('trackingCodeId', 'Filter.'), query('outcome', 'Filter.', str(undefined, { enum: ['accepted', 'rejected'] })),
        query('reason', 'Filter, e.g. no_click, duplicate_order, bad_amount, unknown_code.'), fromParam, toParam, limitParam(500),
      ],
      responses: { 200: ok('Entries', obj({ entries: { type: 'array', items: ref('RequestLogEntry') } })) },
    }, { 400: badInput, 403: forbidden }),
  },
  '/api/v1/orders': {
    post: secured('Notify an order at confirmation (one, or { orders: [...] } up to 1,000); the offer email is queued, never awaited', {
      requestBody: jsonBody({
        oneOf: [
          ref('OrderInput'),
          obj({ orders: { type: 'array', items: ref('OrderInput'), minItems: 1, maxItems: 1000 }, sendOffers: { type: 'boolean', default: true } }, ['orders']),
        ],
      }),
      responses: {
        202: ok('Stored (a batch reports each item, with `orders.N.field` on failures)', {
          oneOf: [
            obj({ order: ref('OrderResult') }),
            obj({ accepted: { type: 'integer' }, failed: { type: 'integer' }, results: { type: 'array', items: { type: 'object' } } }),
          ],
        }),
      },
    }, { 400: badInput, 415: unsupported }),
  },
  '/api/v1/events': {
    post: secured('Generate an event (one, or { events: [...] } up to 1,000): order events feed revenue from campaigns', {
      requestBody: jsonBody({
        oneOf: [ref('EventInput'), obj({ events: { type: 'array', items: ref('EventInput'), minItems: 1, maxItems: 1000 } })],
      }),
      responses: {
        202: ok('Applied (a batch reports each item, with `events.N.field` on failures)', {
          oneOf: [
            obj({ event: ref('EventResult') }),
            obj({ accepted: { type: 'integer' }, failed: { type: 'integer' }, results: { type: 'array', items: { type: 'object' } } }),
          ],
        }),
      },
    }, {
      400: badInput, 404: errorResponse('`unknown_order`: order_status names no order of the account.'),
      409: errorResponse('`customer_mismatch`: the customer key is not the order\'s customer.'), 415: unsupported,
    }),
  },
  '/api/v1/revenue/settings': {
    get: secured('The account\'s revenue settings (the defaults until changed)', {
      responses: { 200: ok('Settings', obj({ settings: ref('RevenueSettings') })) },
    }),
    patch: secured('Change revenue settings; reports use them at once (the account\'s orders are re-attributed)', {
      requestBody: jsonBody(input({
        channels: input({ email: channelRulePatch, sms: channelRulePatch }, []),
        currency: str('ISO 4217.'), excludedTags: { type: 'array', items: str(undefined, { maxLength: 100 }), maxItems: 50 },
      }, [])),
      responses: { 200: ok('Settings', obj({ settings: ref('RevenueSettings') })) },
    }, { 400: badInput, 415: unsupported }),
  },
  '/api/v1/revenue/report': {
    get: secured('Revenue from campaigns for a period (default: the last 30 days)', {
      parameters: [asParam, fromParam, toParam],
      responses: { 200: ok('The report', obj({ report: ref('RevenueReport') })) },
    }, { 400: badInput, 403: forbidden }),
  },
  '/api/v1/revenue/report.csv': {
    get: secured('The same report as CSV (RFC 4180; amount columns name the currency)', {
      parameters: [asParam, fromParam, toParam],
      responses: { 200: { description: 'CSV, as an attachment.', content: { 'text/csv': { schema: str() } } } },
    }, { 400: badInput, 403: forbidden }),
  },
  '/api/v1/revenue/report.txt': {
    get: secured('The same report as text to copy (summary, then tab-separated rows)', {
      parameters: [asParam, fromParam, toParam],
      responses: { 200: { description: 'Plain text.', content: { 'text/plain': { schema: str() } } } },
    }, { 400: badInput, 403: forbidden }),
  },
  '/api/v1/revenue/report.html': {
    get: secured('The same report as a standalone HTML page', {
      parameters: [asParam, fromParam, toParam],
      responses: { 200: { description: 'HTML.', content: { 'text/html': { schema: str() } } } },
    }, { 400: badInput, 403: forbidden }),
  },
  '/api/v1/reinvest': {
    post: secured('Move approved earnings into advertising credit for the account\'s own campaigns', {
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'Makes a retry safe.', schema: str(undefined, { maxLength: 100 }) }],
      requestBody: jsonBody(obj({ amount: decimal('Amount to move, in `currency`.'), currency: str('ISO 4217.') })),
      responses: {
        201: ok('Moved', obj({ reinvested: ref('Money'), replayed: { type: 'boolean' }, balance: obj({ approved: ref('Money'), credit: ref('Money') }) })),
        200: ok('Already moved under this Idempotency-Key', obj({ reinvested: ref('Money'), replayed: { type: 'boolean' }, balance: obj({ approved: ref('Money'), credit: ref('Money') }) })),
      },
    }, { 400: badInput, 403: forbidden, 409: conflict, 415: unsupported }),
  },
  '/webhooks/mailgun': {
    post: {
      summary: 'Mailgun webhook (accepted, delivered, opened, clicked, failed): HMAC-SHA256 signed, fresh, never replayed, deduplicated by event id',
      security: [],
      requestBody: jsonBody(obj({
        signature: obj({ timestamp: str('Unix seconds; at most 15 minutes off.'), token: str('Used once.'), signature: str('hex HMAC-SHA256(signing key, timestamp + token).') }),
        'event-data': obj({
          id: str(), event: str(), timestamp: { type: 'number' }, recipient: str(),
          message: obj({ headers: obj({ 'message-id': str() }) }), 'user-variables': obj({ message: str(), order: str() }, []),
        }, ['id', 'event', 'timestamp']),
      })),
      responses: {
        200: ok('Recorded, duplicate or ignored', obj({ status: str(undefined, { enum: ['recorded', 'duplicate', 'ignored'] }), event: str(), messageId: str(), reason: str() }, ['status'])),
        406: errorResponse('Bad or stale signature, reused token, or no event: refused and not to be retried.'),
        503: errorResponse('MAILGUN_WEBHOOK_SIGNING_KEY is not configured.'),
      },
    },
  },
  '/c/{code}': {
    get: {
      summary: 'Tracked link: records the click, sets the network cookie, redirects to the landing URL with nclid',
      security: [],
      parameters: [pathParam('code', 'The link code.'), ...[1, 2, 3, 4, 5].map((n) => query(`sub${n}`, 'Sub-id, recorded with the click.'))],
      responses: {
        302: { description: 'To a landing URL registered on the campaign, with `nclid` appended.', headers: { Location: { schema: str() } } },
        404: { description: 'Unknown or paused link: a friendly HTML page.', content: { 'text/html': { schema: str() } } },
      },
    },
  },
  '/px': {
    get: {
      summary: 'Image pixel conversion; always answers the 1×1 GIF (the request log says why a hit was ignored)',
      security: [],
      parameters: conversionParams,
      responses: { 200: { description: 'A 1×1 GIF.', content: { 'image/gif': { schema: str(undefined, { format: 'binary' }) } } } },
    },
    post: {
      summary: 'The tracker\'s beacon (form-encoded, preflight-free)',
      security: [],
      requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: obj({ t: str(), id: str(), amount: str(), currency: str(), type: str(), nclid: str() }, ['t']) } } },
      responses: { 202: ok('Recorded or duplicate', ref('TrackingResult')), 400: badInput, 415: errorResponse('Not form-encoded.') },
    },
  },
  '/conv': {
    post: {
      summary: 'HTML form conversion; redirects the buyer to the tracking code\'s redirection URL',
      security: [],
      requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: obj({ t: str(), id: str(), amount: str(), currency: str(), nclid: str() }, ['t', 'id']) } } },
      responses: {
        303: { description: 'To the thank-you page (also when the order data was bad: the buyer has paid).' },
        200: { description: 'Recorded; the code has no redirection URL (HTML).', content: { 'text/html': { schema: str() } } },
        400: { description: 'Unknown tracking code (HTML).', content: { 'text/html': { schema: str() } } },
      },
    },
  },
  '/postback': {
    get: {
      summary: 'Server-to-server postback, authenticated by `token` (the postback secret) or an HMAC `signature`',
      security: [],
      parameters: [
        ...conversionParams, query('token', 'The tracking code\'s postback secret.'), query('ts', 'Unix time in seconds, for a signature.'),
        query('signature', 'hex HMAC-SHA256(secret, "t|id|amount|currency|nclid|ts").'),
      ],
      responses: {
        201: ok('Recorded', ref('TrackingResult')), 200: ok('Duplicate', ref('TrackingResult')), 400: badInput,
        401: errorResponse('Bad token or signature, or a stale ts.'), 404: errorResponse('Unknown or paused tracking code.'),
      },
    },
    post: {
      summary: 'The same postback, form-encoded',
      security: [],
      requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: obj({ t: str(), id: str(), amount: str(), currency: str(), nclid: str(), token: str(), ts: str(), signature: str() }, ['t', 'nclid']) } } },
      responses: {
        201: ok('Recorded', ref('TrackingResult')), 200: ok('Duplicate', ref('TrackingResult')), 400: badInput,
        401: errorResponse('Bad token or signature, or a stale ts.'), 404: errorResponse('Unknown or paused tracking code.'),
      },
    },
  },
}

export function openApiDocument(publicUrl: string) {
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
    paths,
  }
}
