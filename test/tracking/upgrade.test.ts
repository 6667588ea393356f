// Upgrade, never lose: one conversion per (advertiser, order id), but a later hit for the same order that
// brings the attributable click the stored one lacked upgrades it — once, atomically, with its commission,
// pending ledger entry and approval — and never moves an attributed conversion or touches a decided one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'
import { startTestNetwork, testDrivers, type TestNetwork } from '../support/network.js'

describe.each(testDrivers)('upgrading an order with later evidence on %s', (driver) => {
  let network: TestNetwork
  let s: Scenario
  let n = 0
  const orderId = () => `upgrade-${++n}-${Date.now()}`

  beforeAll(async () => {
    network = await startTestNetwork({}, undefined, { driver })
    s = await createScenario(network.storage, { holdDays: 30 })
  })
  afterAll(() => network.destroy())

  const pixel = (query: Record<string, string>) => fetch(`${network.url}/px?${new URLSearchParams({ t: s.trackingCode, ...query })}`)
  const beacon = async (query: Record<string, string>) => {
    const res = await fetch(`${network.url}/px`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ t: s.trackingCode, ...query }),
    })
    return { status: res.status, body: (await res.json()) as { status: string; reason: string } }
  }
  const pending = async () => (await network.storage.ledger.balances(s.publisherId)).find((b) => b.currency === 'EUR')?.pending ?? 0
  const logsFor = async (conversionId: string) =>
    (await network.storage.requestLog.list({ advertiserId: s.advertiserId, limit: 500 })).filter((e) => e.conversionId === conversionId)

  it('the fallback pixel first without a click id, then the beacon with one: the publisher is paid', async () => {
    const click = await clickLink(network.url, s.linkCode)
    const id = orderId()
    await pixel({ id, amount: '50.00' })
    const first = await network.storage.conversions.getByOrder(s.advertiserId, id)
    expect(first).toMatchObject({ publisherId: null, commission: 0, reason: 'no_click' })
    const before = await pending()

    const late = await beacon({ id, amount: '50.00', nclid: click.clickId! })
    expect(late.status).toBe(202)
    expect(late.body).toMatchObject({ status: 'upgraded', reason: 'upgraded' })
    const upgraded = await network.storage.conversions.getByOrder(s.advertiserId, id)
    expect(upgraded).toMatchObject({
      id: first!.id, publisherId: s.publisherId, clickId: click.clickId, campaignId: s.campaign.id, commission: 500,
      commissionCurrency: 'EUR', reason: 'attributed', status: 'pending', amount: 5000,
    })
    expect(upgraded!.approveAt!.getTime()).toBe(first!.createdAt.getTime() + 30 * 86_400_000)
    expect(await pending()).toBe(before + 500)
    // Both hits are in the request log: the first as it was, the second as the upgrade.
    const logs = await logsFor(first!.id)
    expect(logs.map((e) => [e.kind, e.outcome, e.reason]).sort()).toEqual([['pixel', 'accepted', 'no_click'], ['script', 'accepted', 'upgraded']])
    // A third hit with the same click changes nothing more.
    expect((await beacon({ id, amount: '50.00', nclid: click.clickId! })).body).toMatchObject({ status: 'duplicate', reason: 'duplicate_order' })
    expect(await pending()).toBe(before + 500)
  })

  it('never moves an attributed conversion to another publisher’s click', async () => {
    const firstClick = await clickLink(network.url, s.linkCode)
    const other = await createScenario(network.storage)
    const otherLink = await network.storage.links.create({
      id: `lnk_other_${n}`, code: `other-${n}-${Date.now()}`, campaignId: s.campaign.id, advertiserId: s.advertiserId,
      publisherId: other.publisherId, landingUrl: s.landingUrl, status: 'active',
    })
    const secondClick = await clickLink(network.url, otherLink.code, { userAgent: 'Mozilla/5.0 second visitor' })
    const id = orderId()
    await pixel({ id, amount: '20.00', nclid: firstClick.clickId! })
    const res = await beacon({ id, amount: '20.00', nclid: secondClick.clickId! })
    expect(res.body).toMatchObject({ status: 'duplicate', reason: 'duplicate_order' })
    expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ publisherId: s.publisherId, clickId: firstClick.clickId })
  })

  it('never touches a declined conversion, and says why', async () => {
    const click = await clickLink(network.url, s.linkCode)
    const id = orderId()
    await pixel({ id, amount: '20.00' })
    const stored = await network.storage.conversions.getByOrder(s.advertiserId, id)
    await network.services.lifecycle.decline(s.advertiserId, stored!.id, 'test order')
    const res = await beacon({ id, amount: '20.00', nclid: click.clickId! })
    expect(res.body).toMatchObject({ status: 'duplicate', reason: 'duplicate_order_decided' })
    expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ publisherId: null, status: 'declined', commission: 0 })
  })

  it('20 concurrent hits for one order, attributed and not, end in exactly one conversion with the click', async () => {
    const click = await clickLink(network.url, s.linkCode)
    const id = orderId()
    const before = await pending()
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? beacon({ id, amount: '10.00' }) : beacon({ id, amount: '10.00', nclid: click.clickId! }))))
    expect(results.every((r) => r.status === 202)).toBe(true)
    const conversions = await network.storage.conversions.list({ advertiserId: s.advertiserId, limit: 500 })
    const mine = conversions.filter((c) => c.orderId === id)
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({ publisherId: s.publisherId, clickId: click.clickId, commission: 100 })
    expect(await pending()).toBe(before + 100)
    const entries = (await network.storage.ledger.listByAccount(s.publisherId, 500)).filter((e) => e.conversionId === mine[0]!.id)
    expect(entries).toHaveLength(1)
    // At most one hit recorded it and at most one upgraded it; every other one was a duplicate.
    const statuses = results.map((r) => r.body.status)
    expect(statuses.filter((x) => x === 'recorded')).toHaveLength(1)
    expect(statuses.filter((x) => x === 'upgraded').length).toBeLessThanOrEqual(1)
  })

  it('a bot’s click keeps its campaign on the conversion, and a real click later upgrades it', async () => {
    const bot = await clickLink(network.url, s.linkCode, { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' })
    const id = orderId()
    await pixel({ id, amount: '30.00', nclid: bot.clickId! })
    expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ publisherId: null, reason: 'bot_click', campaignId: s.campaign.id, clickId: bot.clickId })
    const human = await clickLink(network.url, s.linkCode)
    expect((await beacon({ id, amount: '30.00', nclid: human.clickId! })).body.status).toBe('upgraded')
    expect(await network.storage.conversions.getByOrder(s.advertiserId, id)).toMatchObject({ publisherId: s.publisherId, clickId: human.clickId })
  })
})

describe('the upgrade window', () => {
  it('refuses to upgrade an order whose first hit is older than ATTRIBUTION_UPGRADE_HOURS, and says so', async () => {
    const network = await startTestNetwork({ ATTRIBUTION_UPGRADE_HOURS: '0' })
    try {
      const s = await createScenario(network.storage)
      const click = await clickLink(network.url, s.linkCode)
      await fetch(`${network.url}/px?t=${s.trackingCode}&id=late-1&amount=10.00`)
      const res = await fetch(`${network.url}/px`, { method: 'POST', body: new URLSearchParams({ t: s.trackingCode, id: 'late-1', amount: '10.00', nclid: click.clickId! }) })
      expect(await res.json()).toMatchObject({ status: 'duplicate', reason: 'duplicate_order_late' })
      expect(await network.storage.conversions.getByOrder(s.advertiserId, 'late-1')).toMatchObject({ publisherId: null })
    } finally {
      await network.destroy()
    }
  })
})
