import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import signature from 'cookie-signature'
import { startTestNetwork, type TestNetwork } from '../support/network.js'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'

describe('tracked link clicks (GET /c/:code)', () => {
  let network: TestNetwork
  let s: Scenario
  beforeAll(async () => {
    network = await startTestNetwork({ DUPLICATE_CLICK_WINDOW_SECONDS: '60' })
    s = await createScenario(network.storage)
  })
  afterAll(() => network.destroy())

  it('records the click and redirects to the registered landing URL with the click id appended', async () => {
    const res = await clickLink(network.url, s.linkCode, { query: '?sub1=newsletter&sub3=x&ignored=1' })
    expect(res.status).toBe(302)
    const location = new URL(res.location!)
    expect(`${location.origin}${location.pathname}`).toBe('https://shop.example/landing')
    expect(location.searchParams.get('ref')).toBe('network')
    expect(res.clickId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    const click = await network.storage.clicks.get(res.clickId!)
    expect(click).toMatchObject({
      campaignId: s.campaign.id, publisherId: s.publisherId, advertiserId: s.advertiserId,
      subIds: ['newsletter', null, 'x', null, null], bot: false, duplicate: false, landingUrl: s.landingUrl,
    })
    // The IP is stored only as a keyed hash.
    expect(click!.ipHash).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(JSON.stringify(click)).not.toContain('127.0.0.1')
  })

  it('sets a signed, HttpOnly network cookie naming the click for this advertiser', async () => {
    const res = await clickLink(network.url, s.linkCode)
    expect(res.setCookie).toMatch(/^nw_click=s%3A/)
    expect(res.setCookie).toMatch(/HttpOnly/i)
    expect(res.setCookie).toMatch(/Max-Age=2592000/)
    const value = decodeURIComponent(res.cookie!.split('=')[1]!)
    const unsigned = signature.unsign(value.slice(2), network.services.config.cookieSecret)
    expect(unsigned).not.toBe(false)
    expect(JSON.parse(unsigned as string)[s.advertiserId][0]).toBe(res.clickId)
  })

  it('never redirects to a URL that is not registered on the campaign', async () => {
    const rogue = await network.storage.links.create({
      id: 'lnk_rogue', code: 'rogue-link', campaignId: s.campaign.id, advertiserId: s.advertiserId, publisherId: s.publisherId,
      landingUrl: 'https://evil.example/phish', status: 'active',
    })
    const res = await clickLink(network.url, rogue.code, { query: '?url=https://evil.example/' })
    expect(res.status).toBe(302)
    expect(res.location!.startsWith(s.campaign.landingUrls[0]!)).toBe(true)
    expect(res.location).not.toContain('evil.example')
  })

  it('answers unknown and paused links with a friendly 404 page and logs why', async () => {
    const unknown = await clickLink(network.url, 'no-such-code')
    expect(unknown.status).toBe(404)
    expect(unknown.body).toContain('This link is not active')
    const other = await createScenario(network.storage)
    const link = (await network.storage.links.listByPublisher(other.publisherId))[0]!
    await network.storage.links.setStatus(link.id, 'paused')
    network.services.cache.links.delete(link.code)
    expect((await clickLink(network.url, link.code)).status).toBe(404)
    const log = await network.storage.requestLog.list({ advertiserId: other.advertiserId })
    expect(log[0]).toMatchObject({ kind: 'click', outcome: 'rejected', reason: 'paused_link', linkId: link.id })
  })

  it('flags bots by user agent and the same visitor on the same link as a duplicate', async () => {
    const other = await createScenario(network.storage)
    const bot = await clickLink(network.url, other.linkCode, { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1)' })
    expect(await network.storage.clicks.get(bot.clickId!)).toMatchObject({ bot: true })
    const first = await clickLink(network.url, other.linkCode, { userAgent: 'Visitor A' })
    const second = await clickLink(network.url, other.linkCode, { userAgent: 'Visitor A' })
    const third = await clickLink(network.url, other.linkCode, { userAgent: 'Visitor B' })
    expect(await network.storage.clicks.get(first.clickId!)).toMatchObject({ duplicate: false })
    expect(await network.storage.clicks.get(second.clickId!)).toMatchObject({ duplicate: true })
    expect(await network.storage.clicks.get(third.clickId!)).toMatchObject({ duplicate: false })
  })

  it('stores every click of a burst before answering it', async () => {
    const other = await createScenario(network.storage)
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => clickLink(network.url, other.linkCode, { userAgent: `burst ${i}` })))
    for (const r of results) expect(await network.storage.clicks.get(r.clickId!)).not.toBeNull()
  })
})
