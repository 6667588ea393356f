// Issue 11 — hostile input gets a 4xx, never a 5xx, and never harms a neighbour: named cases for each kind of malformed
// input, then a seeded, bounded fuzz over every route (methods, content types, encodings, sizes, NUL, prototype
// keys, repeated parameters), with a real API key and a portal session on some requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'
import type { TestNetwork } from '../support/network.js'
import { demoPerson, fetchSession, startPortalNetwork, type FetchSession } from '../portal/support.js'

const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0'

describe('hostile input', () => {
  let network: TestNetwork
  let s: Scenario
  let advertiser: FetchSession
  beforeAll(async () => {
    // With a signing key the Mailgun webhook verifies (without one it answers 503 on purpose: Mailgun retries).
    // Behind a trusted proxy (loopback), so that each fuzz request can come from its own address.
    network = await startPortalNetwork({ MAILGUN_WEBHOOK_SIGNING_KEY: 'fuzz-signing-key', TRUST_PROXY: 'loopback' })
    s = await createScenario(network.storage)
    advertiser = await fetchSession(network.url, demoPerson(network, 'advertiser'))
  })
  afterAll(() => network?.destroy())

  const logged = async (reason: string) =>
    (await network.storage.requestLog.list({ advertiserId: s.advertiserId, reason, limit: 10 })).map((e) => e.params.field)

  it('a NUL byte in a click’s sub-id: 400 naming sub1, while the clicks beside it are redirected and stored', async () => {
    const [bad, ...good] = await Promise.all([
      fetch(`${network.url}/c/${s.linkCode}?sub1=%00`, { redirect: 'manual', headers: { 'user-agent': browser } }),
      ...Array.from({ length: 10 }, (_, i) => clickLink(network.url, s.linkCode, { query: `?sub1=ok${i}`, userAgent: `${browser} n/${i}` })),
    ])
    // The neighbours first: they must be redirected and stored whatever became of the bad one.
    for (const click of good) {
      expect(click.status).toBe(302)
      expect(await network.storage.clicks.get(click.clickId!)).not.toBeNull()
    }
    expect(bad!.status).toBe(400)
    expect(await bad!.text()).toContain('sub1 must not contain a NUL byte')
    expect(await logged('nul_byte')).toContain('sub1')
  })

  it('a click the store refuses (a NUL past the entrance) fails alone: the other clicks of its batch are stored', async () => {
    // Recorded in one turn of the event loop, so all 21 share one group-commit batch, the NUL sub-id in the middle.
    const clicks = network.services.clicks
    const target = await clicks.resolve(s.linkCode)
    const input = (i: number, sub1: string) => ({
      code: s.linkCode, query: new URLSearchParams({ sub1 }), ipHash: 'ip', visitorKey: `visitor-${i}`, userAgent: browser, referrer: null,
      cookieClicks: {}, id: `clk_batch_${i}`, at: new Date(), logId: `req_batch_${i}`,
    })
    const results = await Promise.allSettled(Array.from({ length: 21 }, (_, i) => clicks.record(input(i, i === 10 ? 'a\u0000b' : `ok${i}`), target)))
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 21 }, (_, i) => (i === 10 ? 'rejected' : 'fulfilled')))
    for (let i = 0; i < 21; i++) if (i !== 10) expect(await network.storage.clicks.get(`clk_batch_${i}`)).toMatchObject({ subIds: [`ok${i}`, null, null, null, null] })
    expect(await network.storage.clicks.get('clk_batch_10')).toBeNull()
  })

  it('a NUL byte in a pixel parameter: its GIF with 400, and the request log names the field', async () => {
    const res = await fetch(`${network.url}/px?t=${s.trackingCode}&id=nul&amount=1%000`)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('image/gif')
    expect(await network.storage.conversions.getByOrder(s.advertiserId, 'nul')).toBeNull()
    expect(await logged('nul_byte')).toContain('amount')
  })

  it('a NUL byte in a JSON body: 400 naming the field', async () => {
    const res = await fetch(`${network.url}/api/v1/conversions`, {
      method: 'POST', headers: { authorization: `Bearer ${s.advertiserKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'a\u0000b', amount: '1.00', currency: 'EUR' }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: { code: 'nul_byte', message: 'orderId must not contain a NUL byte', field: 'orderId' } })
  })

  it('the JSON API refuses lone surrogates, prototype keys, repeated and malformed query parameters with a 400 naming the field', async () => {
    const api = (path: string, init: RequestInit = {}) =>
      fetch(network.url + path, { ...init, headers: { authorization: `Bearer ${s.advertiserKey}`, 'content-type': 'application/json' } })
    const cases: [Promise<Response>, string, string][] = [
      [api('/api/v1/conversions', { method: 'POST', body: '{"orderId":"a\\ud800b","amount":"1.00","currency":"EUR"}' }), 'bad_encoding', 'orderId'],
      [api('/api/v1/campaigns', { method: 'POST', body: '{"name":"x","__proto__":{"admin":true}}' }), 'bad_key', '__proto__'],
      [api(`/api/v1/campaigns/${s.campaign.id}`, { method: 'PATCH', body: '{"saleRule":{"constructor":{"prototype":{}}}}' }), 'bad_key', 'saleRule.constructor'],
      [api('/api/v1/ledger?limit=5&limit=6'), 'repeated_parameter', 'limit'],
      [api('/api/v1/request-log?reason=%ff'), 'bad_encoding', 'reason'],
      [api('/api/v1/request-log?reason=a%00b'), 'nul_byte', 'reason'],
    ]
    for (const [res, code, field] of cases) {
      const answer = await res
      expect(answer.status).toBe(400)
      expect(await answer.json()).toMatchObject({ error: { code, field } })
    }
    expect(Object.prototype).not.toHaveProperty('admin')
  })

  it('a NUL byte in one order of a batch refuses that order only', async () => {
    const shop = demoPerson(network, 'publisher')
    const res = await fetch(`${network.url}/api/v1/orders`, {
      method: 'POST', headers: { authorization: `Bearer ${shop.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ orders: [
        { orderId: 'nul-1', email: 'a@example.com', name: 'A\u0000B', amount: '5.00', currency: 'EUR' },
        { orderId: 'nul-2', email: 'b@example.com', amount: '5.00', currency: 'EUR' },
      ] }),
    })
    expect(res.status).toBe(202)
    const body = (await res.json()) as { accepted: number; results: { ok: boolean; error?: { code: string; field: string } }[] }
    expect(body.accepted).toBe(1)
    expect(body.results[0]).toMatchObject({ ok: false, error: { code: 'nul_byte', field: 'orders.0.name' } })
    expect(body.results[1]).toMatchObject({ ok: true })
  })

  it('a NUL byte in a single order, or beside the batch array of orders and events: 400 naming the field', async () => {
    const shop = demoPerson(network, 'publisher')
    const post = (path: string, key: string, body: string) =>
      fetch(network.url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body })
    const single = await post('/api/v1/orders', shop.apiKey, JSON.stringify({ orderId: 'nul-single', email: 'a@example.com', name: 'A\u0000B', amount: '5.00', currency: 'EUR' }))
    expect(single.status).toBe(400)
    expect(await single.json()).toEqual({ error: { code: 'nul_byte', message: 'name must not contain a NUL byte', field: 'name' } })
    const event = await post('/api/v1/events', s.advertiserKey, JSON.stringify({ type: 'order', customer: 'a@example.com', parameters: { orderId: 'nul\u0000event', amount: '5.00', currency: 'EUR' } }))
    expect(event.status).toBe(400)
    expect(await event.json()).toMatchObject({ error: { code: 'nul_byte', field: 'parameters.orderId' } })
    const beside = await post('/api/v1/orders', shop.apiKey, JSON.stringify({ orders: [{ orderId: 'nul-beside', email: 'a@example.com', amount: '5.00', currency: 'EUR' }], note: 'x\u0000' }))
    expect(beside.status).toBe(400)
    expect(await beside.json()).toMatchObject({ error: { code: 'nul_byte', field: 'note' } })
  })

  it('JSON nested deeper than any request needs: 400 naming where, not a stack overflow', async () => {
    const deep = `{"a":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`
    const mailgun = await fetch(`${network.url}/webhooks/mailgun`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep })
    expect(mailgun.status).toBe(400)
    expect(await mailgun.json()).toMatchObject({ error: { code: 'too_deep', field: `a${'.0'.repeat(31)}` } })
    const orders = await fetch(`${network.url}/api/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${demoPerson(network, 'publisher').apiKey}`, 'content-type': 'application/json' }, body: deep.replace('{', '{"orders":[],') })
    expect(orders.status).toBe(400)
    expect(await orders.json()).toMatchObject({ error: { code: 'too_deep' } })
  })

  it('bad percent-encoding in a link code: 400, not 500', async () => {
    const res = await fetch(`${network.url}/c/%ff`, { redirect: 'manual' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('code is not valid percent-encoded UTF-8')
    // Express's paths alike, before any route parameter reaches a handler or the store.
    for (const path of ['/portal/%ff', '/api/v1/links/%ff', '/api/v1/links/%c3%28', '/outbox/%ff']) {
      const res = await fetch(network.url + path, { headers: { authorization: `Bearer ${s.advertiserKey}`, cookie: advertiser.cookie } })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: 'bad_encoding', field: 'path' } })
    }
  })

  it('a NUL byte in a path parameter: 400 naming the path', async () => {
    for (const path of ['/outbox/%00', '/api/v1/links/a%00b', '/portal/advertiser/campaigns/%00']) {
      const res = await fetch(network.url + path, { headers: { authorization: `Bearer ${s.advertiserKey}`, cookie: advertiser.cookie } })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: 'nul_byte', field: 'path' } })
    }
  })

  it('invalid UTF-8 (%c3%28) in a parameter: 400 naming it, on the pixel, the beacon and the form', async () => {
    const pixel = await fetch(`${network.url}/px?t=${s.trackingCode}&id=%c3%28`)
    expect(pixel.status).toBe(400)
    expect(await logged('bad_encoding')).toContain('id')
    const beacon = await fetch(`${network.url}/px`, { method: 'POST', body: `t=${s.trackingCode}&id=%c3%28` })
    expect(beacon.status).toBe(400)
    expect(await beacon.json()).toMatchObject({ error: { code: 'bad_encoding', field: 'id' } })
    const form = await fetch(`${network.url}/conv`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `t=${s.trackingCode}&id=%c3%28` })
    expect(form.status).toBe(400)
    expect(await form.text()).toContain('id is not valid percent-encoded UTF-8')
  })

  it('a slash in the query of /px, /conv and /postback reaches the tracking endpoint and is stored as sent', async () => {
    const click = await clickLink(network.url, s.linkCode)
    const pixel = await fetch(`${network.url}/px?t=${s.trackingCode}&id=2024/0002&amount=5.00&ref=https://x.example/a/b&nclid=${click.clickId}`)
    expect(pixel.status).toBe(200)
    expect(await network.storage.conversions.getByOrder(s.advertiserId, '2024/0002')).toMatchObject({ publisherId: s.publisherId })
    const form = await fetch(`${network.url}/conv?ref=https://x.example/a/b`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `t=${s.trackingCode}&id=2024/0003&amount=5.00` })
    expect(form.status).toBe(303)
    expect(await network.storage.conversions.getByOrder(s.advertiserId, '2024/0003')).not.toBeNull()
    const postback = await fetch(`${network.url}/postback?t=${s.trackingCode}&id=2024/0004&amount=5.00&nclid=${click.clickId}&token=${s.postbackSecret}&ref=a/b`)
    expect(postback.status).toBe(201)
  })

  it('a portal form with only some fields: the form again with a 400 and the message on the missing field; nothing stored', async () => {
    const [code] = await network.storage.trackingCodes.listByAdvertiser('acc_demo_advertiser')
    const res = await advertiser.post(`/portal/advertiser/tracking-codes/${code!.id}`, { name: 'Only a name' })
    expect(res.status).toBe(400)
    expect(res.body).toMatch(/<select id="method" name="method"[^>]* aria-invalid="true"/)
    expect(res.body).toContain('<span class="field-error" id="method-error">method is missing from the form</span>')
    expect(await network.storage.trackingCodes.get(code!.id)).toEqual(code)
    const campaign = await advertiser.post('/portal/advertiser/campaigns', { name: 'Only a name', currency: 'EUR' })
    expect(campaign.status).toBe(400)
    expect(campaign.body).toContain('status is missing from the form')
    const created = await advertiser.post('/portal/advertiser/tracking-codes', { name: 'Only a name' })
    expect(created.status).toBe(400)
    expect(created.body).toContain('campaignId is missing from the form')
  })

  it('fuzz: 3,000 seeded hostile requests over every route answer 0 × 5xx, and the server stays live', async () => {
    let seed = 20261202
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    const storage = network.storage
    // Real ids, so that the handlers behind the look-ups run too.
    const [code] = await storage.trackingCodes.listByAdvertiser('acc_demo_advertiser')
    const link = (await storage.links.getByCode(s.linkCode))!
    const click = await clickLink(network.url, s.linkCode)
    expect((await fetch(`${network.url}/px?t=${s.trackingCode}&id=fuzz-order&amount=5.00&nclid=${click.clickId}`)).status).toBe(200)
    const conversion = (await storage.conversions.getByOrder(s.advertiserId, 'fuzz-order'))!
    // The admin's status buttons act on a bystander, never on an account the fuzz signs in with.
    const bystander = 'acc_fuzz_bystander'
    await storage.accounts.create({ id: bystander, name: 'Bystander', email: 'bystander@example.com', roles: ['publisher'], status: 'active', passwordHash: null })
    const sessions = {
      advertiser,
      publisher: await fetchSession(network.url, demoPerson(network, 'publisher')),
      admin: await fetchSession(network.url, demoPerson(network, 'admin')),
    }
    const keys = [s.advertiserKey, s.publisherKey, demoPerson(network, 'advertiser').apiKey, demoPerson(network, 'publisher').apiKey, demoPerson(network, 'admin').apiKey]
    const ids = [s.campaign.id, code!.id, link.id, conversion.id, s.publisherId, bystander, 'x', '%ff', '%c3%28', '%00', '__proto__', 'a'.repeat(300)]
    const id = () => pick(ids)
    const paths: (() => string)[] = [
      // The tracking hot paths (bad codes, slashes and encodings in the path too).
      () => `/c/${pick([s.linkCode, 'demo-link', '%ff', '%c3%28', '%00', '', 'x/y', 'a'.repeat(500)])}`,
      () => pick(['/px', '/px', '/px/x', '/conv', '/conv/', '/postback', '/postback/x', '/t.js', '/healthz', '/', '//x/px']),
      // The JSON API, every route of its routers.
      () => `/api/v1/${pick(['openapi.json', 'me', 'balance', 'ledger', 'request-log', 'orders', 'events', 'reinvest', 'accounts', 'api-keys', 'campaigns', 'links', 'tracking-codes', 'conversions', 'revenue/report', 'revenue/report.csv', 'revenue/report.html', 'revenue/report.txt', 'revenue/settings', '%ff'])}`,
      () => `/api/v1/${pick(['accounts', 'api-keys', 'campaigns', 'links', 'tracking-codes', 'conversions'])}/${id()}`,
      () => `/api/v1/conversions/${id()}/${pick(['approve', 'decline', 'refund'])}`,
      () => `/api/v1/campaigns/${id()}/overrides${random() < 0.6 ? `/${id()}` : ''}`,
      // The portals: sign-in and sign-up, every page and form of the three roles.
      () => `/portal/${pick(['', 'sign-in', 'sign-in', 'sign-up', 'sign-up', 'sign-out', 'account', 'account/api-keys', 'account/password', 'assets/portal.css', 'assets/%ff', '%ff'])}`,
      () => `/portal/advertiser/${pick(['', 'campaigns', 'campaigns/new', 'tracking-codes', 'conversions', 'request-log', 'revenue', 'revenue.csv', 'revenue/settings', 'monetize', 'stats'])}`,
      () => `/portal/advertiser/${pick(['campaigns', 'tracking-codes', 'conversions'])}/${id()}${pick(['', '', '/rotate-secret', '/approve', '/decline', '/refund'])}`,
      () => `/portal/publisher/${pick(['', 'links', 'stats', 'monetize', 'reinvest', 'revenue', 'revenue.csv', 'revenue/settings', 'conversions', `conversions/${id()}`, 'payouts', `payouts/${id()}`, 'outbox', `outbox/${id()}`])}`,
      () => `/portal/admin/${pick(['', 'accounts', 'conversions', 'payouts', `payouts/${id()}`, `payouts/${id()}/paid`, `accounts/${bystander}/${pick(['approve', 'suspend', 'reactivate', 'x'])}`, `accounts/${id()}/suspend`])}`,
      () => `/portal/account/api-keys/${pick(['x', '%ff', 'key_missing'])}/revoke`,
      // Email: the unsubscribe page, the outbox, the Mailgun webhook.
      () => pick(['/unsubscribe', '/unsubscribe/%00', '/outbox', `/outbox/${id()}`, '/webhooks/mailgun', '/webhooks/mailgun/x']),
    ]
    const values = ['', 'x', '%00', '%ff', '%c3%28', '%ed%a0%80', '%', '%zz', '1.00', '-5', '1e309', 'NaN', '99999999999999999999', 'a'.repeat(5000), '2024/0002',
      'https://x.example/a?b=c', '<script>', "'; DROP TABLE x;--", '☃', '%F0%9F%92%A9', '[]', '{}', 'null', 'true', s.trackingCode, 'EUR', 'XXX',
      s.campaign.id, s.publisherId, 'POST', 'active', 'percent', '2026-01-01', 'all']
    const names = ['t', 'id', 'amount', 'currency', 'nclid', 'type', 'email', 'sub1', 'sub2', 'token', 'signature', 'ts', 'name', 'method', 'status',
      'campaignId', 'orderId', '__proto__', 'constructor', 'prototype', 'hasOwnProperty', '_csrf', 'limit', 'cursor', 'from', 'to', 'csv', 'period', 'm', 's',
      'redirectUrl', 'password', 'current', 'role', 'saleKind', 'saleValue', 'landingUrls', 'cookieWindowDays', 'holdDays', 'attribution', 'a[b]', 'x[]']
    const jsonValues: unknown[] = ['x', '\u0000', 'a\u0000b', 'x\ud800y', '\udc00', '\ud800', 1, -1, 0.1, 1e308, null, true, [], {}, JSON.parse('{"__proto__":{"polluted":1}}'),
      'a'.repeat(70_000), ['a', 1], { deep: { er: ['\u0000'] } }, Array.from({ length: 2000 }, () => ({ orderId: 'x' }))]
    // Bodies that pass validation, each with the paths it is valid for; the fuzz then breaks a field, at any depth.
    const validBodies: [RegExp, Record<string, unknown>][] = [
      [/\/conversions$/, { orderId: 'f-1', amount: '10.00', currency: 'EUR' }],
      [/\/campaigns(\/[^/]*)?$/, { name: 'Fuzz', description: 'x', currency: 'EUR', landingUrls: ['https://shop.example/x'], saleRule: { kind: 'percent', percent: '10' } }],
      [/\/overrides\//, { saleRule: { kind: 'fixed', amount: '1.00' } }],
      [/\/tracking-codes/, { campaignId: s.campaign.id, name: 'Fuzz code' }],
      [/\/links/, { campaignId: s.campaign.id }],
      [/\/orders$/, { orders: [{ orderId: 'o-1', email: 'buyer@example.com', amount: '5.00', currency: 'EUR' }] }],
      [/\/orders$/, { orderId: 'o-2', email: 'buyer@example.com', name: 'Buyer', amount: '5.00', currency: 'EUR' }],
      [/\/events$/, { events: [{ type: 'order', customer: { email: 'buyer@example.com' }, parameters: { orderId: 'e-1', amount: '5.00', currency: 'EUR' } }] }],
      [/\/events$/, { type: 'order', customer: 'buyer@example.com', parameters: { orderId: 'e-2', amount: '5.00', currency: 'EUR' } }],
      [/\/events$/, { type: 'order_status', customer: 'buyer@example.com', parameters: { orderId: 'e-2', status: 'cancelled' } }],
      [/\/refund$/, { amount: '1.00', kind: 'refund' }],
      [/\/api-keys$/, { name: 'key' }],
      [/\/accounts\//, { status: 'paused' }],
      [/\/accounts$/, { name: 'Fuzz', email: 'fuzz@example.com', roles: ['publisher'] }],
      [/\/reinvest$/, { amount: '5.00', currency: 'EUR' }],
      [/\/revenue\/settings$/, { saleValue: 'total' }],
      [/\/mailgun$/, { 'event-data': { event: 'delivered', message: { headers: { 'message-id': 'x' } } }, signature: { timestamp: '1', token: 'x', signature: 'x' } }],
    ]
    const breakOne = (v: unknown): unknown => {
      if (v === null || typeof v !== 'object' || random() < 0.25) return pick(jsonValues)
      const copy: Record<string, unknown> = Array.isArray(v) ? { ...v } : { ...(v as Record<string, unknown>) }
      const keys = Object.keys(copy)
      const key = keys.length > 0 && random() < 0.85 ? pick(keys) : pick(names)
      copy[key] = breakOne(copy[key])
      return Array.isArray(v) ? Object.assign([], copy) : copy
    }
    // Nested deeper than any stack walks: 100,000 arrays (200 kB, under the 2 MB and 256 kB limits).
    const deepJson = `{"orders":[],"events":[],"a":${'['.repeat(100_000)}"\\u0000"${']'.repeat(100_000)}}`
    const query = () => Array.from({ length: Math.floor(random() * 6) }, () => `${pick(names)}=${pick(values)}`).join(pick(['&', '&', ';', '&amp;']))
    const body = (path: string): { type: string; data: string } => {
      switch (Math.floor(random() * 8)) {
        case 0:
        case 5:
        case 6: {
          const own = validBodies.filter(([route]) => route.test(path.split('?')[0]!))
          let o: unknown = pick(own.length > 0 && random() < 0.8 ? own : validBodies)[1]
          for (let i = Math.floor(random() * 3); i > 0; i--) o = breakOne(o)
          const text = JSON.stringify(o)
          return { type: 'application/json', data: pick([text, text, text, text, '{"a":', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '[1,2]', '"x"', 'null', text.replace('"', '"\\u0000'), `{"a":"\\ud800"}`, deepJson]) }
        }
        case 1: return { type: 'application/x-www-form-urlencoded', data: query() }
        case 2: return { type: 'text/plain', data: query() }
        case 3: return { type: pick(['application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'image/gif', 'application/x-www-form-urlencoded; charset=utf-16']), data: '--x\r\n' }
        case 4: return { type: pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain']), data: 'x'.repeat(Math.floor(random() * 300_000)) }
        default: return { type: '', data: '' }
      }
    }
    const failures: string[] = []
    let authenticated = 0
    const one = async () => {
      const method = pick(['GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'])
      const path = `${pick(paths)()}${random() < 0.8 ? `?${query()}` : ''}`
      const headers: Record<string, string> = { 'user-agent': pick([browser, 'curl/8', '']) }
      // Each request from its own address: the failure limits (API keys, sign-ins) never lock out the rest of the run.
      headers['x-forwarded-for'] = random() < 0.05 ? pick(['%00', 'x, y', '::1, 999.1.1.1', 'a'.repeat(300)]) : `10.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`
      // Mostly authenticated, so that the handlers behind the checks are reached.
      let session: FetchSession | undefined
      if (path.startsWith('/api/')) {
        if (random() < 0.9) headers.authorization = `Bearer ${random() < 0.85 ? pick(keys) : pick(['nw_bad', 'x', '%00', ''])}`
      } else if (random() < 0.85 && !path.startsWith('/portal/sign-out')) {
        session = path.startsWith('/portal/publisher') ? sessions.publisher : path.startsWith('/portal/admin') ? sessions.admin : random() < 0.5 ? sessions.advertiser : pick([sessions.publisher, sessions.admin])
        headers.cookie = session.cookie
      }
      if (random() < 0.1) headers.cookie = `${headers.cookie ? `${headers.cookie}; ` : ''}nw_click=${pick(['s%3Ax.y', '%ff', 's:{}', 'x'.repeat(3000)])}`
      const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS'
      const b = hasBody ? body(path) : null
      if (b?.type) headers['content-type'] = b.type
      if (b && session && b.type === 'application/x-www-form-urlencoded' && random() < 0.9) b.data += `&_csrf=${session.csrf}`
      if (headers.authorization && keys.some((k) => headers.authorization === `Bearer ${k}`)) authenticated++
      try {
        const res = await fetch(network.url + path, { method, headers, body: b ? b.data : undefined, redirect: 'manual' })
        await res.arrayBuffer()
        if (res.status >= 500) failures.push(`${res.status} ${method} ${path.slice(0, 200)} ${JSON.stringify(headers).slice(0, 300)} ${b ? `${b.type} ${b.data.slice(0, 300)}` : ''}`)
      } catch (error) {
        failures.push(`network error ${method} ${path.slice(0, 200)}: ${(error as Error).message}`)
      }
    }
    for (let round = 0; round < 300; round++) await Promise.all(Array.from({ length: 10 }, one))
    expect(failures).toEqual([])
    expect(authenticated).toBeGreaterThan(500)
    // The sessions survived the run (nothing signed them out), so the portal handlers were reached throughout.
    expect((await sessions.advertiser.get('/portal/advertiser')).status).toBe(200)
    expect((await fetch(`${network.url}/healthz`)).status).toBe(200)
    expect((await clickLink(network.url, s.linkCode)).status).toBe(302)
  }, 120_000)
})
