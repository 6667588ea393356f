import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestNetwork, testDrivers, type TestNetwork } from '../support/network.js'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'

describe.each(testDrivers)('conversions on %s', (driver) => {
  let network: TestNetwork
  let s: Scenario
  let order = 0
  const orderId = () => `order-${Date.now()}-${++order}`

  beforeAll(async () => {
    network = await startTestNetwork({}, undefined, { driver })
    s = await createScenario(network.storage, { holdDays: 30 })
  })
  afterAll(() => network.destroy())

  const pixel = (query: Record<string, string>, cookie?: string) =>
    fetch(`${network.url}/px?${new URLSearchParams(query)}`, { headers: cookie ? { cookie } : {} })
  const lastLog = async (advertiserId = s.advertiserId) => (await network.storage.requestLog.list({ advertiserId, limit: 1 }))[0]
  const api = (body: unknown, init: { key?: string; headers?: Record<string, string>; raw?: string } = {}) =>
    fetch(`${network.url}/api/v1/conversions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${init.key ?? s.advertiserKey}`, 'content-type': 'application/json', ...init.headers },
      body: init.raw ?? JSON.stringify(body),
    })

  describe('the GET image pixel (seed 002, method 1)', () => {
    it('attributes a sale through the network cookie set at click time, with the commission in minor units', async () => {
      const click = await clickLink(network.url, s.linkCode)
      const id = orderId()
      const res = await pixel({ t: s.trackingCode, amount: '19.95', id }, click.cookie!)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/gif')
      expect(res.headers.get('cache-control')).toContain('no-store')
      const image = Buffer.from(await res.arrayBuffer())
      expect(image.subarray(0, 6).toString()).toBe('GIF89a')
      expect(image.length).toBe(Number(res.headers.get('content-length')))
      const c = await network.storage.conversions.getByOrder(s.advertiserId, id)
      expect(c).toMatchObject({
        publisherId: s.publisherId, clickId: click.clickId, amount: 1995, currency: 'EUR', commission: 200, commissionCurrency: 'EUR',
        commissionRule: { kind: 'percent', basisPoints: 1000 }, reason: 'attributed', source: 'pixel', status: 'pending',
      })
      expect(await lastLog()).toMatchObject({ kind: 'pixel', outcome: 'accepted', reason: 'attributed', conversionId: c!.id })
    })

    it("takes seed 002's pixel URL verbatim: ';' and '&amp;' separate parameters like '&'", async () => {
      const click = await clickLink(network.url, s.linkCode)
      const id = `11001-${Date.now()}`
      const seed = await fetch(`${network.url}/px?t=${s.trackingCode}&id=${id};amount=19.95`, { headers: { cookie: click.cookie! } })
      expect(seed.status).toBe(200)
      expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ amount: 1995, publisherId: s.publisherId })
      const pasted = `${id}-html`
      await fetch(`${network.url}/px?t=${s.trackingCode}&amp;id=${pasted}&amp;amount=19.95`, { headers: { cookie: click.cookie! } })
      expect(await network.storage.conversions.getByOrder(s.advertiserId, pasted)).toMatchObject({ amount: 1995 })
    })

    it('prefers the click id in the request over the cookie', async () => {
      const viaCookie = await clickLink(network.url, s.linkCode)
      const viaParam = await clickLink(network.url, s.linkCode, { userAgent: 'Mozilla/5.0 another browser' })
      const id = orderId()
      await pixel({ t: s.trackingCode, amount: '5', id, nclid: viaParam.clickId! }, viaCookie.cookie!)
      expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ clickId: viaParam.clickId })
    })

    it('stores a conversion without a click as unattributed, with the reason', async () => {
      const id = orderId()
      await pixel({ t: s.trackingCode, amount: '10.00', id })
      expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ publisherId: null, commission: 0, reason: 'no_click' })
      const forged = orderId()
      await pixel({ t: s.trackingCode, amount: '10.00', id: forged }, 'nw_click=s%3A%7B%22x%22%3A1%7D.forged')
      expect(await network.storage.conversions.getByOrder(s.advertiserId, forged)).toMatchObject({ reason: 'no_click' })
      const unknown = orderId()
      await pixel({ t: s.trackingCode, amount: '10.00', id: unknown, nclid: 'AAAAAAAAAAAAAAAAAAAAAA' })
      expect(await network.storage.conversions.getByOrder(s.advertiserId, unknown)).toMatchObject({ reason: 'unknown_click', publisherId: null })
    })

    it("never credits a click on another advertiser's link", async () => {
      const other = await createScenario(network.storage)
      const click = await clickLink(network.url, other.linkCode)
      const id = orderId()
      await pixel({ t: s.trackingCode, amount: '10.00', id, nclid: click.clickId! })
      expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ reason: 'foreign_click', publisherId: null })
    })

    it('refuses clicks older than the campaign cookie window', async () => {
      const short = await createScenario(network.storage, { cookieWindowDays: 1 })
      const click = await clickLink(network.url, short.linkCode)
      const stored = (await network.storage.clicks.get(click.clickId!))!
      // Age the click by rewriting it under a new id two days back.
      const old = { ...stored, id: 'OLDCLICKOLDCLICKOLDCLK', createdAt: new Date(Date.now() - 2 * 86_400_000) }
      await network.storage.clicks.insertMany([old])
      const id = orderId()
      await pixel({ t: short.trackingCode, amount: '10.00', id, nclid: old.id })
      expect(await network.storage.conversions.getByOrder(short.advertiserId, id)).toMatchObject({ reason: 'expired_window', publisherId: null, commission: 0 })
    })

    it('still answers the GIF on bad input, and the request log says why', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ t: s.trackingCode, amount: '-5', id: orderId() }, 'bad_amount'],
        [{ t: s.trackingCode, amount: 'lots', id: orderId() }, 'bad_amount'],
        [{ t: s.trackingCode, amount: '1e9', id: orderId() }, 'bad_amount'],
        [{ t: s.trackingCode, amount: '99999999999', id: orderId() }, 'bad_amount'],
        [{ t: s.trackingCode, amount: '5', id: orderId(), currency: 'XYZ' }, 'bad_currency'],
        [{ t: s.trackingCode, amount: '5' }, 'missing_order_id'],
        [{ t: s.trackingCode, amount: '5', id: 'x'.repeat(5000) }, 'bad_order_id'],
        [{ t: s.trackingCode, amount: '5', id: orderId(), nclid: '<script>' }, 'bad_click_id'],
        [{ t: s.trackingCode, amount: '5', id: orderId(), type: 'refund' }, 'bad_type'],
      ]
      for (const [query, reason] of cases) {
        const res = await pixel(query)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe('image/gif')
        expect(await lastLog()).toMatchObject({ kind: 'pixel', outcome: 'rejected', reason })
      }
      const unknown = await pixel({ t: 'NOPE', amount: '5', id: orderId() })
      expect(unknown.headers.get('content-type')).toBe('image/gif')
    })

    it('records one conversion per order when 20 identical pixels arrive at once', async () => {
      const click = await clickLink(network.url, s.linkCode)
      const id = orderId()
      const responses = await Promise.all(Array.from({ length: 20 }, () => pixel({ t: s.trackingCode, amount: '50.00', id }, click.cookie!)))
      expect(responses.every((r) => r.status === 200)).toBe(true)
      const all = await network.storage.conversions.list({ advertiserId: s.advertiserId, limit: 1000 })
      expect(all.filter((c) => c.orderId === id)).toHaveLength(1)
      const log = await network.storage.requestLog.list({ advertiserId: s.advertiserId, limit: 20 })
      expect(log.filter((e) => e.reason === 'duplicate_order')).toHaveLength(19)
      const ledger = await network.storage.ledger.listByAccount(s.publisherId, 1000)
      const conversion = all.find((c) => c.orderId === id)!
      expect(ledger.filter((e) => e.conversionId === conversion.id && e.kind === 'commission')).toHaveLength(1)
    })

    it("accepts Post Affiliate Pro's and iDevAffiliate's parameter names", async () => {
      await pixel({ t: s.trackingCode, TotalCost: '39.95', OrderID: 'pap-1', Currency: 'USD' })
      expect(await network.storage.conversions.getByOrder(s.advertiserId, 'pap-1')).toMatchObject({ amount: 3995, currency: 'USD' })
      await pixel({ t: s.trackingCode, idev_saleamt: '12.00', idev_ordernum: 'idev-1' })
      expect(await network.storage.conversions.getByOrder(s.advertiserId, 'idev-1')).toMatchObject({ amount: 1200, currency: 'EUR' })
    })
  })

  describe('the tracker beacon (POST /px)', () => {
    it('records a sale sent form-encoded, as the tracker does, and answers 202 JSON with CORS', async () => {
      const click = await clickLink(network.url, s.linkCode)
      const id = orderId()
      const res = await fetch(`${network.url}/px`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://shop.example' },
        body: new URLSearchParams({ t: s.trackingCode, id, amount: '0.30', currency: 'eur', type: 'sale', nclid: click.clickId! }),
      })
      expect(res.status).toBe(202)
      expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example')
      expect(await res.json()).toMatchObject({ status: 'recorded', reason: 'attributed', conversion: { orderId: id, attributed: true } })
      expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ amount: 30, commission: 3, source: 'script' })
    })
    it('answers bad input with a JSON error naming the field', async () => {
      const res = await fetch(`${network.url}/px`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `t=${s.trackingCode}&id=x&amount=abc` })
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({ error: { code: 'bad_amount', message: expect.any(String), field: 'amount' } })
      const wrongType = await fetch(`${network.url}/px`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<x/>' })
      expect(wrongType.status).toBe(415)
      const huge = await fetch(`${network.url}/px`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `t=${'x'.repeat(100_000)}` })
      expect(huge.status).toBe(413)
      expect(await huge.json()).toMatchObject({ error: { code: 'too_large' } })
    })
  })

  describe('the POST form (seed 002, method 2)', () => {
    const post = (body: Record<string, string>, cookie?: string) =>
      fetch(`${network.url}/conv`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie && { cookie }) }, body: new URLSearchParams(body) })

    it("records the sale and answers 303 to the tracking code's redirection URL", async () => {
      const click = await clickLink(network.url, s.linkCode)
      const res = await post({ t: s.trackingCode, amount: '39.95', id: '110001' }, click.cookie!)
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('https://shop.example/thank-you')
      expect(await network.storage.conversions.getByOrder(s.advertiserId, '110001')).toMatchObject({ amount: 3995, source: 'form', publisherId: s.publisherId })
    })
    it('shows a clear 400 page for an unknown code, and still sends a paying buyer on when only the data is bad', async () => {
      const unknown = await post({ t: 'NOPE', amount: '1', id: 'x' })
      expect(unknown.status).toBe(400)
      expect(await unknown.text()).toContain('could not be confirmed')
      const bad = await post({ t: s.trackingCode, amount: 'free', id: orderId() })
      expect(bad.status).toBe(303)
      expect(await lastLog()).toMatchObject({ kind: 'form', outcome: 'rejected', reason: 'bad_amount' })
    })
  })

  describe('server-to-server postbacks', () => {
    it('accepts the secret token and answers JSON', async () => {
      const click = await clickLink(network.url, s.linkCode)
      const id = orderId()
      const res = await fetch(`${network.url}/postback?${new URLSearchParams({ t: s.trackingCode, nclid: click.clickId!, id, amount: '100', currency: 'EUR', token: s.postbackSecret })}`)
      expect(res.status).toBe(201)
      expect(await res.json()).toMatchObject({ status: 'recorded', conversion: { orderId: id, attributed: true } })
      const again = await fetch(`${network.url}/postback?${new URLSearchParams({ t: s.trackingCode, nclid: click.clickId!, id, amount: '100', currency: 'EUR', token: s.postbackSecret })}`)
      expect(again.status).toBe(200)
      expect(await again.json()).toMatchObject({ status: 'duplicate', reason: 'duplicate_order' })
      // The secret is never stored in the request log.
      const log = await lastLog()
      expect(JSON.stringify(log)).not.toContain(s.postbackSecret)
    })
    it('accepts a fresh HMAC-SHA256 signature (POST) and refuses bad, stale or missing ones', async () => {
      const click = await clickLink(network.url, s.linkCode)
      const id = orderId()
      const ts = String(Math.floor(Date.now() / 1000))
      const sign = (t: string) => createHmac('sha256', s.postbackSecret).update([s.trackingCode, id, '12.50', 'EUR', click.clickId, t].join('|')).digest('hex')
      const body = (extra: Record<string, string>) => new URLSearchParams({ t: s.trackingCode, id, amount: '12.50', currency: 'EUR', nclid: click.clickId!, ...extra })
      const postback = (extra: Record<string, string>) => fetch(`${network.url}/postback`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body(extra) })
      const bad = await postback({ ts, signature: 'f'.repeat(64) })
      expect(bad.status).toBe(401)
      expect(await bad.json()).toMatchObject({ error: { code: 'bad_signature', field: 'signature' } })
      const old = String(Math.floor(Date.now() / 1000) - 3600)
      expect(await (await postback({ ts: old, signature: sign(old) })).json()).toMatchObject({ error: { code: 'stale_signature', field: 'ts' } })
      expect((await postback({})).status).toBe(401)
      expect((await postback({ token: 'wrong' })).status).toBe(401)
      const good = await postback({ ts, signature: sign(ts) })
      expect(good.status).toBe(201)
      expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ amount: 1250, source: 'postback', publisherId: s.publisherId })
    })
    it('requires the click id and a known code', async () => {
      const missing = await fetch(`${network.url}/postback?${new URLSearchParams({ t: s.trackingCode, id: orderId(), amount: '1', token: s.postbackSecret })}`)
      expect(missing.status).toBe(400)
      expect(await missing.json()).toMatchObject({ error: { code: 'missing_click_id', field: 'nclid' } })
      const unknown = await fetch(`${network.url}/postback?t=NOPE&nclid=x&token=y`)
      expect(unknown.status).toBe(404)
      expect(await unknown.json()).toMatchObject({ error: { field: 't' } })
    })
  })

  describe('the JSON API (POST /api/v1/conversions)', () => {
    it('records an attributed sale, and replays the same order idempotently', async () => {
      const click = await clickLink(network.url, s.linkCode)
      const body = { orderId: orderId(), amount: '250.00', currency: 'EUR', clickId: click.clickId, customerEmail: 'Bob@Example.com' }
      const res = await api(body, { headers: { 'idempotency-key': 'k-1' } })
      expect(res.status).toBe(201)
      const json = await res.json()
      expect(json).toMatchObject({ reason: 'attributed', conversion: { orderId: body.orderId, amount: { amount: 25000, currency: 'EUR', formatted: '250.00' }, commission: { amount: 2500 }, customerEmail: 'bob@example.com' } })
      const replay = await api(body)
      expect(replay.status).toBe(200)
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect((await replay.json()).conversion.id).toBe(json.conversion.id)
    })
    it('uses the Idempotency-Key for a lead without an order id', async () => {
      const click = await clickLink(network.url, s.linkCode)
      const send = () => api({ type: 'lead', clickId: click.clickId }, { headers: { 'idempotency-key': `signup-${order}` } })
      const first = await send()
      expect(first.status).toBe(201)
      expect((await first.json()).conversion).toMatchObject({ type: 'lead', commission: { amount: 150, currency: 'EUR' } })
      expect((await send()).status).toBe(200)
    })
    it('answers bad input with 4xx naming the field, never a 500', async () => {
      const cases: [unknown, number, string | undefined][] = [
        [{ orderId: 'a', amount: '-1', currency: 'EUR' }, 400, 'amount'],
        [{ orderId: 'a', amount: 'NaN', currency: 'EUR' }, 400, 'amount'],
        [{ orderId: 'a', amount: '1', currency: 'EURO' }, 400, 'currency'],
        [{ amount: '1', currency: 'EUR' }, 400, 'orderId'],
        [{ orderId: 'a', amount: '1', currency: 'EUR', clickId: 'bad id!' }, 400, 'clickId'],
        [{ orderId: { $ne: null }, amount: '1', currency: 'EUR' }, 400, 'orderId'],
        [{ orderId: 'a', amount: '1', currency: 'EUR', campaignId: 'cmp_not_mine' }, 400, 'campaignId'],
        [{ orderId: 'a', amount: '1', currency: 'EUR', customerEmail: 'not-an-email' }, 400, 'customerEmail'],
        [[1, 2], 400, 'body'],
      ]
      for (const [body, status, field] of cases) {
        const res = await api(body)
        expect(res.status, JSON.stringify(body)).toBe(status)
        expect((await res.json()).error.field, JSON.stringify(body)).toBe(field)
      }
      expect((await api(null, { raw: '{"orderId":' })).status).toBe(400)
      expect((await api(null, { raw: JSON.stringify({ orderId: 'x'.repeat(100_000) }) })).status).toBe(413)
      const form = await fetch(`${network.url}/api/v1/conversions`, { method: 'POST', headers: { authorization: `Bearer ${s.advertiserKey}`, 'content-type': 'text/plain' }, body: 'x' })
      expect(form.status).toBe(415)
      expect((await api({}, { key: 'nw_wrong' })).status).toBe(401)
      expect((await api({}, { key: s.publisherKey })).status).toBe(403)
    })
  })
})
