// First-party mode on the network's side: a shop proxies a path of its own site (/_nw) to the network. The
// click goes through the shop's path (the signed handshake at /r), the tracker's landing call and the pixels
// come through it, and the network answers there with its HttpOnly cookie — on the shop's domain. The proxy's
// key makes the network believe the visitor's address the proxy forwards, and nothing else: no portal or API
// answers through a shop's domain. (Browsers on separate hostnames: test/tracker/matrix.test.ts.)
import { parse } from 'cookie'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import signature from 'cookie-signature'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handshakeToken, proxyKey, readHandshake } from '../../server/src/tracking/firstParty.js'
import { hashIp } from '../../server/src/tracking/visitor.js'
import { clickLink, createScenario } from '../support/fixtures.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'

const browser = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0'

describe('first-party mode', () => {
  let network: TestNetwork
  let secret: string
  beforeAll(async () => {
    network = await startTestNetwork()
    secret = network.services.config.cookieSecret
  })
  afterAll(() => network.destroy())

  const entries = (setCookie: string | null) => {
    const raw = parse(setCookie!.split(';')[0]!).nw_click!
    return JSON.parse(signature.unsign(raw.slice(2), secret) as string) as Record<string, [string, number, number]>
  }

  it('a click on a campaign with a first-party path goes through the shop’s path, which sets the cookie and lands', async () => {
    const s = await createScenario(network.storage, { firstPartyPath: '/_nw', cookieWindowDays: 10 })
    const click = await clickLink(network.url, s.linkCode)
    expect(click.status).toBe(302)
    const through = new URL(click.location!)
    expect(`${through.origin}${through.pathname}`).toBe('https://shop.example/_nw/r')
    // The shop's proxy strips /_nw: the network sees /r.
    const res = await fetch(`${network.url}/r${through.search}`, { redirect: 'manual', headers: { 'user-agent': browser } })
    expect(res.status).toBe(302)
    const landing = new URL(res.headers.get('location')!)
    expect(`${landing.origin}${landing.pathname}`).toBe('https://shop.example/landing')
    expect(landing.searchParams.get('ref')).toBe('network')
    const clickId = landing.searchParams.get('nclid')!
    expect(await network.storage.clicks.get(clickId)).toMatchObject({ publisherId: s.publisherId })
    const setCookie = res.headers.get('set-cookie')
    expect(setCookie).toMatch(/HttpOnly/i)
    // For the shop's registrable domain, so a thank-you page on another subdomain sends it too.
    expect(setCookie).toMatch(/Domain=shop\.example(;|$)/i)
    expect(setCookie).toMatch(/Max-Age=(864000|863999)\b/)
    const entry = entries(setCookie)[s.advertiserId]!
    expect(entry[0]).toBe(clickId)
    expect(entry[2] - entry[1]).toBe(10 * 86_400)
  })

  it('a changed handshake is refused, and lands nowhere (no open redirect)', async () => {
    const s = await createScenario(network.storage, { firstPartyPath: '/_nw' })
    const click = await clickLink(network.url, s.linkCode)
    const token = new URL(click.location!).searchParams.get('h')!
    const h = readHandshake(secret, token)!
    const forged = handshakeToken('not-the-secret', { ...h, location: 'https://evil.example/' })
    for (const bad of [forged, token.slice(0, -2) + 'xx', 'garbage', '']) {
      const res = await fetch(`${network.url}/r?h=${encodeURIComponent(bad)}`, { redirect: 'manual' })
      expect(res.status).toBe(400)
      expect(res.headers.get('location')).toBeNull()
      expect(res.headers.get('set-cookie')).toBeNull()
    }
  })

  it('an old handshake (a bookmarked /r link) still lands the visitor but sets no cookie', async () => {
    const s = await createScenario(network.storage, { firstPartyPath: '/_nw' })
    const now = Math.floor(Date.now() / 1000)
    const old = handshakeToken(secret, { clickId: 'A'.repeat(22), advertiserId: s.advertiserId, clickedAt: now - 7_200, expiresAt: now + 86_400, firstClick: false, location: 'https://shop.example/landing?nclid=' + 'A'.repeat(22) })
    const res = await fetch(`${network.url}/r?h=${old}`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://shop.example/landing?nclid=' + 'A'.repeat(22))
    expect(res.headers.get('set-cookie')).toBeNull()
  })

  it('through the handshake, a first-click campaign keeps the first click in the shop-domain cookie', async () => {
    const s = await createScenario(network.storage, { firstPartyPath: '/_nw', attribution: 'first_click' })
    const handshake = async (cookie?: string) => {
      const click = await clickLink(network.url, s.linkCode)
      const res = await fetch(`${network.url}/r${new URL(click.location!).search}`, { redirect: 'manual', headers: cookie ? { cookie } : {} })
      return { clickId: new URL(res.headers.get('location')!).searchParams.get('nclid')!, setCookie: res.headers.get('set-cookie')! }
    }
    const first = await handshake()
    const second = await handshake(first.setCookie.split(';')[0])
    expect(second.clickId).not.toBe(first.clickId)
    expect(entries(second.setCookie)[s.advertiserId]![0]).toBe(first.clickId)
  })

  it('the tracker’s landing call keeps a known click in the cookie; an unknown one sets nothing and says why', async () => {
    const s = await createScenario(network.storage, { cookieWindowDays: 7 })
    const click = await clickLink(network.url, s.linkCode)
    const land = (body: string) => fetch(`${network.url}/land`, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } })
    const known = await land(`nclid=${click.clickId}`)
    expect(known.status).toBe(204)
    expect(entries(known.headers.get('set-cookie'))[s.advertiserId]![0]).toBe(click.clickId)
    // Without the page's Origin the cookie is host-only; with it, for the page's registrable domain.
    expect(known.headers.get('set-cookie')).not.toMatch(/Domain=/i)
    // fetch() will not send an Origin of our choosing: a plain request, as the shop's proxy forwards it.
    const landFrom = (origin: string) => new Promise<string>((resolve, reject) => {
      const req = request(`${network.url}/land`, { method: 'POST', headers: { 'content-type': 'text/plain', origin } }, (res) => {
        res.resume()
        resolve(String(res.headers['set-cookie'] ?? ''))
      })
      req.on('error', reject)
      req.end(`nclid=${click.clickId}`)
    })
    expect(await landFrom('https://www.shop-example.co.uk')).toMatch(/Domain=shop-example\.co\.uk(;|$)/i)
    expect(await landFrom('http://192.168.1.20:8080')).not.toMatch(/Domain=/i)
    const unknown = await land(`nclid=${'Z'.repeat(22)}`)
    expect(unknown.status).toBe(204)
    expect(unknown.headers.get('set-cookie')).toBeNull()
    expect(unknown.headers.get('x-nw-reason')).toBe('unknown_click')
    const bot = await clickLink(network.url, s.linkCode, { userAgent: 'python-httpx/0.27' })
    const botLand = await land(`nclid=${bot.clickId}`)
    expect(botLand.headers.get('set-cookie')).toBeNull()
    expect(botLand.headers.get('x-nw-reason')).toBe('bot_click')
  })

  it('a pixel through the proxy is credited from the shop-domain cookie alone (no click id on the page)', async () => {
    const s = await createScenario(network.storage, { firstPartyPath: '/_nw' })
    const click = await clickLink(network.url, s.linkCode)
    const res = await fetch(`${network.url}/r${new URL(click.location!).search}`, { redirect: 'manual' })
    const id = `fp-pixel-${Date.now()}`
    await fetch(`${network.url}/px?t=${s.trackingCode};id=${id};amount=20.00`, {
      headers: { cookie: res.headers.get('set-cookie')!.split(';')[0]!, 'x-nw-proxy': proxyKey(secret, s.advertiserId), 'x-forwarded-for': '203.0.113.7' },
    })
    expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ publisherId: s.publisherId, reason: 'attributed', commission: 200 })
  })

  it('with its key the proxy speaks for the visitor’s address; without it (or with a wrong key) the address is the proxy’s', async () => {
    const s = await createScenario(network.storage)
    const pixel = async (id: string, headers: Record<string, string>) => {
      await fetch(`${network.url}/px?t=${s.trackingCode}&id=${id}&amount=1.00`, { headers: { 'x-forwarded-for': '198.51.100.23', ...headers } })
      await network.services.requestLog.drain()
      const [entry] = await network.storage.requestLog.list({ advertiserId: s.advertiserId, limit: 50 }).then((all) => all.filter((e) => e.params.id === id))
      return entry!.ipHash
    }
    const visitor = hashIp(secret, '198.51.100.23')
    const peer = hashIp(secret, '127.0.0.1')
    expect(await pixel('key-good', { 'x-nw-proxy': proxyKey(secret, s.advertiserId) })).toBe(visitor)
    expect(await pixel('key-none', {})).toBe(peer)
    expect(await pixel('key-bad', { 'x-nw-proxy': proxyKey('another-secret', s.advertiserId) })).toBe(peer)
    expect(await pixel('key-junk', { 'x-nw-proxy': 'nonsense' })).toBe(peer)
  })

  it('through a shop’s proxy only the tracking endpoints answer: no portal or API under a shop’s domain', async () => {
    const s = await createScenario(network.storage)
    const headers = { 'x-nw-proxy': proxyKey(secret, s.advertiserId) }
    for (const path of ['/portal', '/portal/sign-in', '/api/v1/me', '/']) {
      const res = await fetch(`${network.url}${path}`, { headers, redirect: 'manual' })
      expect(res.status, path).toBe(404)
    }
    expect((await fetch(`${network.url}/t.js`, { headers })).status).toBe(200)
    expect((await fetch(`${network.url}/healthz`, { headers })).status).toBe(200)
    // Without the header the portal is there as always.
    expect((await fetch(`${network.url}/portal/sign-in`)).status).toBe(200)
  })
})

describe('the network cookie on an https network', () => {
  it('is Secure and SameSite=None whenever PUBLIC_URL is https, whatever NODE_ENV says', async () => {
    const network = await startTestNetwork({ PUBLIC_URL: 'https://network.example' })
    try {
      const s = await createScenario(network.storage)
      const click = await clickLink(`http://127.0.0.1:${(network.server.address() as AddressInfo).port}`, s.linkCode)
      expect(click.setCookie).toMatch(/; Secure/i)
      expect(click.setCookie).toMatch(/SameSite=None/i)
    } finally {
      await network.destroy()
    }
  })
})

describe('the first and the latest click id from the tracker', () => {
  let network: TestNetwork
  beforeAll(async () => {
    network = await startTestNetwork()
  })
  afterAll(() => network.destroy())

  async function twoPublishers(attribution: 'first_click' | 'last_click') {
    const s = await createScenario(network.storage, { attribution })
    const other = await createScenario(network.storage)
    await network.storage.links.create({ id: `lnk_${other.linkCode}x`, code: `${other.linkCode}x`, campaignId: s.campaign.id, advertiserId: s.advertiserId, publisherId: other.publisherId, landingUrl: s.landingUrl, status: 'active' })
    const first = await clickLink(network.url, s.linkCode)
    const later = await clickLink(network.url, `${other.linkCode}x`)
    return { s, first: { ...first, publisherId: s.publisherId }, later: { ...later, publisherId: other.publisherId } }
  }

  it('third-party cookies blocked (no network cookie): a first-click campaign pays the first publisher from nclid1', async () => {
    const { s, first } = await twoPublishers('first_click')
    const { later } = { later: await clickLink(network.url, s.linkCode) }
    const id = `first-${Date.now()}`
    await fetch(`${network.url}/px?t=${s.trackingCode}&id=${id}&amount=10.00&nclid=${later.clickId}&nclid1=${first.clickId}`)
    expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ clickId: first.clickId, publisherId: first.publisherId })
  })

  it('a last-click campaign pays the latest, whatever nclid1 says', async () => {
    const { s, first, later } = await twoPublishers('last_click')
    const id = `last-${Date.now()}`
    await fetch(`${network.url}/px?t=${s.trackingCode}&id=${id}&amount=10.00&nclid=${later.clickId}&nclid1=${first.clickId}`)
    expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ clickId: later.clickId, publisherId: later.publisherId })
  })

  it('a malformed nclid1 is a 400 naming nclid1 (the beacon) or firstClickId (the API)', async () => {
    const { s } = await twoPublishers('first_click')
    const res = await fetch(`${network.url}/px`, { method: 'POST', body: `t=${s.trackingCode}&id=bad-first&amount=1.00&nclid1=short`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(res.status).toBe(400)
    expect((await res.json()).error).toMatchObject({ code: 'bad_click_id', field: 'nclid1' })
    const api = await fetch(`${network.url}/api/v1/conversions`, {
      method: 'POST', body: JSON.stringify({ orderId: 'bad-first-api', amount: '1.00', currency: 'EUR', campaignId: s.campaign.id, firstClickId: 'short' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.advertiserKey}` },
    })
    expect(api.status).toBe(400)
    expect((await api.json()).error).toMatchObject({ code: 'bad_click_id', field: 'firstClickId' })
  })

  it('the API takes firstPartyPath on a campaign, refuses what is not a path, and returns it', async () => {
    const { s } = await twoPublishers('last_click')
    const patch = (body: unknown) => fetch(`${network.url}/api/v1/campaigns/${s.campaign.id}`, {
      method: 'PATCH', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${s.advertiserKey}` },
    })
    for (const bad of ['https://shop.example/_nw', '_nw', '/_nw/', '/a b', '/' + 'x'.repeat(50)]) {
      const res = await patch({ firstPartyPath: bad })
      expect(res.status, bad).toBe(400)
      expect(JSON.stringify(await res.json()), bad).toContain('firstPartyPath')
    }
    const ok = await patch({ firstPartyPath: '/_nw' })
    expect(ok.status).toBe(200)
    expect((await ok.json()).campaign ?? {}).toMatchObject({ firstPartyPath: '/_nw' })
    expect((await network.storage.campaigns.get(s.campaign.id))?.firstPartyPath).toBe('/_nw')
    expect((await (await patch({ firstPartyPath: null })).json()).campaign).toMatchObject({ firstPartyPath: null })
  })
})
