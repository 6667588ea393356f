// The OpenAPI document against the running network: every documented operation is called with a valid
// request, and its status and body must be documented for that operation and match the schema (with every
// object closed: a field the document does not list fails too). The valid request bodies must pass the
// document's request schemas, and a few invalid requests must answer the documented 400 shape.
import { createHmac, randomUUID } from 'node:crypto'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiDocument } from '../../server/src/api/openapi.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'
import { browserAgent, campaignBody, client, type Answer, type Call } from './support.js'

const signingKey = 'whsec-openapi-live-test-0123456789'
type Json = Record<string, unknown>
type Operation = { operationId: string; requestBody?: { content: Record<string, { schema: Json }> }; responses: Record<string, { content?: Record<string, { schema?: Json }> }> }

/** A copy of `schema` in which every object schema that lists its properties allows no others. */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed)
  if (typeof node !== 'object' || node === null) return node
  const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, closed(v)]))
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false
  return out
}

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')

describe('live answers match the OpenAPI document', () => {
  let network: TestNetwork
  let doc: ReturnType<typeof openApiDocument>
  let ajv: Ajv2020
  const checked = new Map<string, Set<string>>()
  const compiled = new Map<string, ValidateFunction>()

  beforeAll(async () => {
    network = await startTestNetwork({ SEED_DEMO: 'true', MAILGUN_WEBHOOK_SIGNING_KEY: signingKey })
    doc = openApiDocument(network.url)
    ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats.default(ajv)
    // The document's own schemas (closed) as one resource: #/components/schemas/… references resolve inside it.
    ajv.addSchema({ $id: 'doc', ...(closed(doc) as Json) })
    // The request bodies as published (zod's strict objects are closed already; others stay open).
    ajv.addSchema({ $id: 'requests', ...(doc as unknown as Json) })
  }, 60_000)
  afterAll(async () => {
    await network?.destroy()
  })

  const operation = (method: string, path: string): Operation => {
    const found = (doc.paths as Record<string, Record<string, Operation>>)[path]?.[method.toLowerCase()]
    if (!found) throw new Error(`${method} ${path} is not documented`)
    return found
  }
  const validator = (ref: string) => {
    if (!compiled.has(ref)) compiled.set(ref, ajv.compile({ $ref: ref }))
    return compiled.get(ref) as ValidateFunction
  }

  /** Asserts that the answer's status is documented for the operation and its body matches that status's schema. */
  function expectDocumented(method: string, path: string, answer: Answer): Answer {
    const op = operation(method, path)
    const where = `${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 400)}`
    const response = op.responses[String(answer.status)]
    expect(response, `undocumented status: ${where}`).toBeDefined()
    const contentType = answer.headers.get('content-type') ?? ''
    const media = Object.keys(response!.content ?? {})
    if (media.length === 0) {
      expect(answer.body, where).toBeFalsy()
    } else {
      expect(media.some((m) => contentType.startsWith(m)), `${where}: content type ${contentType}, documented ${media.join(', ')}`).toBe(true)
      if (contentType.startsWith('application/json')) {
        const validate = validator(`doc#/${pointer('paths', path, method.toLowerCase(), 'responses', String(answer.status), 'content', 'application/json', 'schema')}`)
        expect(validate(answer.body), `${where}\n${ajv.errorsText(validate.errors)}`).toBe(true)
      }
    }
    const statuses = checked.get(op.operationId) ?? new Set()
    statuses.add(String(answer.status))
    checked.set(op.operationId, statuses)
    return answer
  }

  /** Asserts that the document's request schema for the operation accepts (or refuses) `body`. */
  function expectRequest(method: string, path: string, body: unknown, valid = true) {
    const op = operation(method, path)
    const type = Object.keys(op.requestBody?.content ?? {})[0] as string
    const validate = validator(`requests#/${pointer('paths', path, method.toLowerCase(), 'requestBody', 'content', type, 'schema')}`)
    expect(validate(body), `${method} ${path} request ${JSON.stringify(body)}: ${ajv.errorsText(validate.errors)}`).toBe(valid)
  }

  /** Calls the API operation `method template` on `concrete` (the template with its parameters filled in). */
  async function call(as: Call, method: string, template: string, concrete: string, body?: unknown, headers?: Record<string, string>) {
    if (body !== undefined && typeof body !== 'string') expectRequest(method, `/api/v1${template}`, body)
    return expectDocumented(method, `/api/v1${template}`, await as(method, concrete, body, headers))
  }

  async function raw(method: string, template: string, url: string, init: RequestInit = {}): Promise<Answer> {
    const res = await fetch(url, { method, redirect: 'manual', ...init })
    const text = await res.text()
    let body: unknown = text
    if ((res.headers.get('content-type') ?? '').startsWith('application/json')) body = JSON.parse(text)
    else if (!text) body = null
    return expectDocumented(method, template, { status: res.status, headers: res.headers, body })
  }

  it('documents every answer of a whole journey through the API and the tracking endpoints', async () => {
    const demoKey = (role: string) => network.demo!.accounts.find((a) => a.role === role)!.apiKey
    const admin = client(network.url, demoKey('admin'))
    const get = (as: Call, path: string, concrete = path) => call(as, 'GET', path, concrete)

    // Accounts and keys.
    await call(admin, 'GET', '/openapi.json', '/openapi.json')
    await get(admin, '/me')
    await get(admin, '/accounts')
    const newAccount = async (roles: string[], name: string) => {
      const res = await call(admin, 'POST', '/accounts', '/accounts', { name, email: `${randomUUID()}@example.com`, roles })
      expect(res.status).toBe(201)
      return { id: res.body.account.id as string, call: client(network.url, res.body.apiKey.key) }
    }
    const advertiser = await newAccount(['advertiser'], 'Live Shop')
    const publisher = await newAccount(['publisher'], 'Live Publisher')
    const both = await newAccount(['advertiser', 'publisher'], 'Live Both')
    await get(admin, '/accounts/{id}', `/accounts/${advertiser.id}`)
    await call(admin, 'PATCH', '/accounts/{id}', `/accounts/${publisher.id}`, { name: 'Live Publisher (renamed)' })
    const key = await call(advertiser.call, 'POST', '/api-keys', '/api-keys', { name: 'spare' })
    await get(advertiser.call, '/api-keys')
    expect((await call(advertiser.call, 'DELETE', '/api-keys/{id}', `/api-keys/${key.body.apiKey.id}`)).status).toBe(204)

    // Campaigns, overrides, links, tracking codes.
    const created = await call(advertiser.call, 'POST', '/campaigns', '/campaigns', campaignBody({ name: 'Live campaign', holdDays: 30 }))
    expect(created.status).toBe(201)
    const campaignId = created.body.campaign.id as string
    await call(advertiser.call, 'PATCH', '/campaigns/{id}', `/campaigns/${campaignId}`, { description: 'Spring offers', firstPartyPath: '/_nw' })
    // (First-party mode sends clicks through the landing site; the journey below clicks on the network itself.)
    await call(advertiser.call, 'PATCH', '/campaigns/{id}', `/campaigns/${campaignId}`, { firstPartyPath: null })
    expect((await call(advertiser.call, 'PUT', '/campaigns/{id}/overrides/{publisherId}', `/campaigns/${campaignId}/overrides/${both.id}`,
      { saleRule: { kind: 'fixed', amount: '2.00' } })).status).toBe(200)
    await get(advertiser.call, '/campaigns/{id}/overrides', `/campaigns/${campaignId}/overrides`)
    const asAdvertiser = await get(advertiser.call, '/campaigns/{id}', `/campaigns/${campaignId}`)
    expect(asAdvertiser.body.campaign.overrides).toHaveLength(1)
    expect((await call(advertiser.call, 'DELETE', '/campaigns/{id}/overrides/{publisherId}', `/campaigns/${campaignId}/overrides/${both.id}`)).status).toBe(204)
    const asPublisher = await get(publisher.call, '/campaigns/{id}', `/campaigns/${campaignId}`)
    expect(asPublisher.body.campaign).not.toHaveProperty('advertiserId')
    // The advertiser's list holds Campaigns and the publisher's PublicCampaigns: each valid against its own schema only.
    const own = await get(advertiser.call, '/campaigns')
    const browsed = await get(publisher.call, '/campaigns')
    const campaignSchema = validator('doc#/components/schemas/Campaign')
    const publicSchema = validator('doc#/components/schemas/PublicCampaign')
    expect(own.body.campaigns.length).toBeGreaterThan(0)
    for (const c of own.body.campaigns) expect([campaignSchema(c), publicSchema(c)]).toEqual([true, false])
    expect(browsed.body.campaigns.length).toBeGreaterThan(0)
    for (const c of browsed.body.campaigns) expect([campaignSchema(c), publicSchema(c)]).toEqual([false, true])

    const link = await call(publisher.call, 'POST', '/links', '/links', { campaignId })
    expect(link.status).toBe(201)
    const bothLink = await call(both.call, 'POST', '/links', '/links', { campaignId })
    await get(publisher.call, '/links')
    await get(publisher.call, '/links/{id}', `/links/${link.body.link.id}`)
    await call(publisher.call, 'PATCH', '/links/{id}', `/links/${link.body.link.id}`, { status: 'paused' })
    await call(publisher.call, 'PATCH', '/links/{id}', `/links/${link.body.link.id}`, { status: 'active' })

    const code = await call(advertiser.call, 'POST', '/tracking-codes', '/tracking-codes', { campaignId, name: 'Thank-you page' })
    expect(code.status).toBe(201)
    const trackingCode = code.body.trackingCode
    await get(advertiser.call, '/tracking-codes')
    await get(advertiser.call, '/tracking-codes/{id}', `/tracking-codes/${trackingCode.id}`)
    await call(advertiser.call, 'PATCH', '/tracking-codes/{id}', `/tracking-codes/${trackingCode.id}`, { name: 'Checkout', redirectUrl: 'https://shop.example/thanks' })

    // Clicks, then conversions through every door.
    const clickOn = async (url: string) => {
      const click = await raw('GET', '/c/{code}', `${url}?sub1=newsletter`, { headers: { 'user-agent': browserAgent } })
      expect(click.status).toBe(302)
      return new URL(click.headers.get('location')!).searchParams.get('nclid')!
    }
    const clickId = await clickOn(link.body.link.url)
    expect((await raw('GET', '/c/{code}', `${network.url}/c/nope${randomUUID().slice(0, 6)}`)).status).toBe(404)
    const sale = await call(advertiser.call, 'POST', '/conversions', '/conversions', { orderId: 'LIVE-1', amount: '100.00', currency: 'EUR', clickId, customerEmail: 'bob@example.com' })
    expect(sale.status).toBe(201)
    const replay = await call(advertiser.call, 'POST', '/conversions', '/conversions', { orderId: 'LIVE-1', amount: '100.00', currency: 'EUR', clickId })
    expect(replay.status).toBe(200)
    const bothSale = await call(advertiser.call, 'POST', '/conversions', '/conversions', { orderId: 'LIVE-2', amount: '80.00', clickId: await clickOn(bothLink.body.link.url) })
    const toDecline = await call(advertiser.call, 'POST', '/conversions', '/conversions', { orderId: 'LIVE-3', amount: '10.00', clickId })
    const lead = await call(advertiser.call, 'POST', '/conversions', '/conversions', { type: 'lead', clickId }, { 'idempotency-key': `lead-${randomUUID()}` })
    expect(lead.status).toBe(201)

    const postbackUrl = `${network.url}/postback?t=${trackingCode.code}&nclid=${clickId}&id=LIVE-PB-1&amount=12.00&token=${trackingCode.postbackSecret}`
    expect((await raw('GET', '/postback', postbackUrl)).status).toBe(201)
    expect((await raw('GET', '/postback', postbackUrl)).status).toBe(200)
    expect((await raw('GET', '/postback', postbackUrl.replace(/token=[^&]+/, 'token=wrong'))).status).toBe(401)
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' }
    const postbackForm = { t: trackingCode.code, nclid: clickId, id: 'LIVE-PB-2', amount: '5.00', token: trackingCode.postbackSecret }
    expectRequest('POST', '/postback', postbackForm)
    expect((await raw('POST', '/postback', `${network.url}/postback`, { headers: formHeaders, body: new URLSearchParams(postbackForm) })).status).toBe(201)
    const beacon = { t: trackingCode.code, id: 'LIVE-PX-1', amount: '7.00', nclid: clickId }
    expectRequest('POST', '/px', beacon)
    const beaconAnswer = await raw('POST', '/px', `${network.url}/px`, { headers: { ...formHeaders, 'user-agent': browserAgent }, body: new URLSearchParams(beacon) })
    expect(beaconAnswer.status).toBe(202)
    const pixel = await raw('GET', '/px', `${network.url}/px?t=${trackingCode.code}&id=LIVE-PX-2&amount=3.00&nclid=${clickId}`, { headers: { 'user-agent': browserAgent } })
    expect(pixel.status).toBe(200)
    const conv = { t: trackingCode.code, id: 'LIVE-CONV-1', amount: '4.00', nclid: clickId }
    expectRequest('POST', '/conv', conv)
    expect((await raw('POST', '/conv', `${network.url}/conv`, { headers: { ...formHeaders, 'user-agent': browserAgent }, body: new URLSearchParams(conv) })).status).toBe(303)

    // The lifecycle and the money.
    const saleId = sale.body.conversion.id as string
    await get(advertiser.call, '/conversions')
    const publisherView = await get(publisher.call, '/conversions')
    expect(publisherView.body.conversions[0]).not.toHaveProperty('customerEmail')
    await call(advertiser.call, 'GET', '/conversions', '/conversions?status=pending&from=2020-01-01&to=2099-12-31&limit=50')
    await get(advertiser.call, '/conversions/{id}', `/conversions/${saleId}`)
    await get(publisher.call, '/conversions/{id}', `/conversions/${saleId}`)
    await call(advertiser.call, 'POST', '/conversions/{id}/approve', `/conversions/${saleId}/approve`)
    expect((await call(advertiser.call, 'POST', '/conversions/{id}/approve', `/conversions/${saleId}/approve`)).status).toBe(409)
    await call(advertiser.call, 'POST', '/conversions/{id}/refund', `/conversions/${saleId}/refund`, { amount: '10.00', reason: 'one item back' })
    await call(advertiser.call, 'POST', '/conversions/{id}/decline', `/conversions/${toDecline.body.conversion.id}/decline`, { reason: 'test order' })
    await call(advertiser.call, 'POST', '/conversions/{id}/approve', `/conversions/${bothSale.body.conversion.id}/approve`)
    await get(publisher.call, '/balance')
    await get(publisher.call, '/ledger')
    await call(publisher.call, 'GET', '/ledger', '/ledger?limit=5')
    await get(advertiser.call, '/request-log')
    await call(advertiser.call, 'GET', '/request-log', '/request-log?outcome=accepted&reason=attributed&limit=20')
    const reinvest = { amount: '1.00', currency: 'EUR' }
    expect((await call(both.call, 'POST', '/reinvest', '/reinvest', reinvest, { 'idempotency-key': 'live-reinvest' })).status).toBe(201)
    expect((await call(both.call, 'POST', '/reinvest', '/reinvest', reinvest, { 'idempotency-key': 'live-reinvest' })).status).toBe(200)
    expect((await call(both.call, 'POST', '/reinvest', '/reinvest', { amount: '1000.00', currency: 'EUR' })).status).toBe(409)

    // Orders, events and revenue (the account that is both is a shop that sends offer emails).
    const order = { orderId: 'LIVE-O-1', amount: '42.00', currency: 'EUR', email: 'carol@example.com', name: 'Carol', items: [{ name: 'Shoes', price: '42.00' }] }
    expect((await call(both.call, 'POST', '/orders', '/orders', order)).status).toBe(202)
    // A batch with one bad item (so not a valid request as a whole): the good one is stored, the bad one reported.
    const batch = { orders: [{ ...order, orderId: 'LIVE-O-2' }, { orderId: 'LIVE-O-3' }], sendOffers: false }
    const batchAnswer = expectDocumented('POST', '/api/v1/orders', await both.call('POST', '/orders', batch))
    expect([batchAnswer.status, batchAnswer.body.failed]).toEqual([202, 1])
    expect((await call(both.call, 'POST', '/events', '/events', { type: 'order_status', customer: 'carol@example.com', parameters: { orderId: 'LIVE-O-1', status: 'delivered' } })).status).toBe(202)
    const events = { events: [{ type: 'order', customer: { email: 'dan@example.com' }, parameters: { orderId: 'LIVE-O-4', amount: '9.90', currency: 'EUR' } }, { type: 'order', customer: {} }] }
    const eventsAnswer = expectDocumented('POST', '/api/v1/events', await both.call('POST', '/events', events))
    expect([eventsAnswer.status, eventsAnswer.body.failed]).toEqual([202, 1])
    expect((await call(both.call, 'POST', '/events', '/events', { type: 'order_status', customer: 'carol@example.com', parameters: { orderId: 'NONE', status: 'delivered' } })).status).toBe(404)
    await get(both.call, '/revenue/settings')
    await call(both.call, 'PATCH', '/revenue/settings', '/revenue/settings', { channels: { email: { window: 2, unit: 'days' } }, excludedTags: ['internal'] })
    for (const as of ['advertiser', 'publisher']) {
      for (const format of ['', '.csv', '.txt', '.html']) {
        expect((await call(both.call, 'GET', `/revenue/report${format}`, `/revenue/report${format}?as=${as}&from=2020-01-01`)).status).toBe(200)
      }
    }

    // The Mailgun webhook: a signed event about no message of ours is ignored.
    const timestamp = String(Math.floor(Date.now() / 1000))
    const token = randomUUID().replaceAll('-', '')
    const webhook = {
      signature: { timestamp, token, signature: createHmac('sha256', signingKey).update(timestamp + token).digest('hex') },
      'event-data': { id: randomUUID(), event: 'delivered', timestamp: Date.now() / 1000, recipient: 'x@example.com', message: { headers: { 'message-id': 'none@mg.example' } } },
    }
    expectRequest('POST', '/webhooks/mailgun', webhook)
    const json = { 'content-type': 'application/json' }
    expect((await raw('POST', '/webhooks/mailgun', `${network.url}/webhooks/mailgun`, { headers: json, body: JSON.stringify(webhook) })).status).toBe(200)
    expect((await raw('POST', '/webhooks/mailgun', `${network.url}/webhooks/mailgun`, { headers: json, body: JSON.stringify(webhook) })).status).toBe(406)

    // Every documented operation answered at least once with a success (2xx or 3xx).
    const operations = Object.values(doc.paths as Record<string, Record<string, Operation>>).flatMap((item) => Object.values(item).map((op) => op.operationId))
    const unanswered = operations.filter((id) => ![...(checked.get(id) ?? [])].some((status) => /^[23]/.test(status)))
    expect(unanswered).toEqual([])
  }, 120_000)

  it('answers invalid requests with the documented 400 (and the document refuses them too), 401 and 415', async () => {
    const shop = client(network.url, network.demo!.accounts.find((a) => a.role === 'advertiser')!.apiKey)
    const invalid = async (method: string, template: string, concrete: string, body: unknown, field: string, inDocument = true) => {
      if (body !== undefined && inDocument) expectRequest(method, `/api/v1${template}`, body, false)
      const res = expectDocumented(method, `/api/v1${template}`, await shop(method, concrete, body))
      expect(res.status).toBe(400)
      expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String), field })
    }
    await invalid('POST', '/campaigns', '/campaigns', campaignBody({ cookieWindowDays: 0 }), 'cookieWindowDays')
    await invalid('POST', '/campaigns', '/campaigns', campaignBody({ colour: 'red' }), 'colour')
    await invalid('POST', '/campaigns', '/campaigns', { ...campaignBody(), landingUrls: [] }, 'landingUrls')
    // A URL that is not http(s) is refused by the route's transform; the document can only say "uri".
    await invalid('POST', '/campaigns', '/campaigns', campaignBody({ landingUrls: ['ftp://shop.example/'] }), 'landingUrls.0', false)
    await invalid('POST', '/tracking-codes', '/tracking-codes', { name: 'No campaign' }, 'campaignId')
    await invalid('POST', '/api-keys', '/api-keys', { name: '' }, 'name')
    await invalid('GET', '/conversions', '/conversions?limit=0', undefined, 'limit')
    await invalid('GET', '/request-log', '/request-log?from=2025-02-30', undefined, 'from')
    await invalid('POST', '/orders', '/orders', { amount: '1.00', currency: 'EUR' }, 'orderId')

    const anonymous = client(network.url, null)
    expect(expectDocumented('GET', '/api/v1/me', await anonymous('GET', '/me')).status).toBe(401)
    const notJson = expectDocumented('POST', '/api/v1/campaigns', await shop('POST', '/campaigns', 'name=x', { 'content-type': 'text/plain' }))
    expect(notJson.status).toBe(415)
  }, 60_000)
})
