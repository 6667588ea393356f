// The network decides the campaign's attribution model from the clicks it issued, whatever the page sends:
// the plain tag sends the latest click id, and a first-click campaign still pays the first publisher. Each
// advertiser's entry in the network cookie keeps its own campaign's window.
import { parse } from 'cookie'
import signature from 'cookie-signature'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clickLink, createScenario } from '../support/fixtures.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'

describe('attribution models and the network cookie', () => {
  let network: TestNetwork
  beforeAll(async () => {
    network = await startTestNetwork()
  })
  afterAll(() => network.destroy())

  /** A second publisher's link on the same campaign. */
  async function secondLink(campaignId: string, advertiserId: string, landingUrl: string) {
    const other = await createScenario(network.storage)
    const code = `second-${Math.random().toString(36).slice(2)}`
    await network.storage.links.create({ id: `lnk_${code}`, code, campaignId, advertiserId, publisherId: other.publisherId, landingUrl, status: 'active' })
    return { code, publisherId: other.publisherId }
  }

  async function sale(attribution: 'first_click' | 'last_click') {
    const s = await createScenario(network.storage, { attribution })
    const second = await secondLink(s.campaign.id, s.advertiserId, s.landingUrl)
    const first = await clickLink(network.url, s.linkCode)
    const later = await clickLink(network.url, second.code, { cookie: first.cookie! })
    const id = `model-${attribution}-${Date.now()}`
    // Exactly what the plain tag sends: the latest click id (its first-party cookie), plus the network cookie.
    await fetch(`${network.url}/px?t=${s.trackingCode}&id=${id}&amount=100.00&nclid=${later.clickId}`, { headers: { cookie: later.cookie! } })
    const conversion = await network.storage.conversions.getByOrder(s.advertiserId, id)
    return { conversion, first: { clickId: first.clickId, publisherId: s.publisherId }, later: { clickId: later.clickId, publisherId: second.publisherId } }
  }

  it('a first-click campaign pays the first publisher, though the page sends the latest click id', async () => {
    const { conversion, first } = await sale('first_click')
    expect(conversion).toMatchObject({ publisherId: first.publisherId, clickId: first.clickId, reason: 'attributed' })
  })

  it('a last-click campaign pays the latest publisher', async () => {
    const { conversion, later } = await sale('last_click')
    expect(conversion).toMatchObject({ publisherId: later.publisherId, clickId: later.clickId })
  })

  it('a click on a 1-day campaign keeps another advertiser’s 30-day entry, and the cookie lives as long as the longest', async () => {
    const long = await createScenario(network.storage, { cookieWindowDays: 30 })
    const short = await createScenario(network.storage, { cookieWindowDays: 1 })
    const a = await clickLink(network.url, long.linkCode)
    expect(a.setCookie).toMatch(/Max-Age=2592000/)
    const b = await clickLink(network.url, short.linkCode, { cookie: a.cookie! })
    expect(b.setCookie).toMatch(/Max-Age=(2592000|2591999)\b/)
    const raw = parse(b.cookie!).nw_click!
    const entries = JSON.parse(signature.unsign(raw.slice(2), network.services.config.cookieSecret) as string) as Record<string, number[]>
    expect(entries[long.advertiserId]![2]! - entries[long.advertiserId]![1]!).toBe(30 * 86_400)
    expect(entries[short.advertiserId]![2]! - entries[short.advertiserId]![1]!).toBe(86_400)
  })

  it('an entry past its own window no longer attributes, even inside a longer-lived cookie', async () => {
    const s = await createScenario(network.storage, { cookieWindowDays: 1 })
    const click = await clickLink(network.url, s.linkCode)
    const now = Math.floor(Date.now() / 1000)
    const expired = { [s.advertiserId]: [click.clickId, now - 2 * 86_400, now - 86_400], other: ['x'.repeat(22), now, now + 86_400] }
    const value = `s:${signature.sign(JSON.stringify(expired), network.services.config.cookieSecret)}`
    const id = `expired-entry-${Date.now()}`
    await fetch(`${network.url}/px?t=${s.trackingCode}&id=${id}&amount=10.00`, { headers: { cookie: `nw_click=${encodeURIComponent(value)}` } })
    expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ publisherId: null, reason: 'no_click' })
  })
})
