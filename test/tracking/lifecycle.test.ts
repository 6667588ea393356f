import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Balance, Storage } from '../../server/src/storage/types.js'
import { startTestNetwork, testDrivers, type TestNetwork } from '../support/network.js'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'

async function until<T>(probe: () => Promise<T | null | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Balances must always equal the sums of the ledger entries, bucket by bucket. */
async function expectLedgerAgrees(storage: Storage, accountId: string): Promise<Balance | undefined> {
  const entries = await storage.ledger.listByAccount(accountId, 10_000)
  const sums: Record<string, number> = { pending: 0, approved: 0, paid: 0, credit: 0 }
  for (const e of entries) sums[e.bucket] = (sums[e.bucket] ?? 0) + e.amount
  const [balance] = await storage.ledger.balances(accountId)
  expect(balance ?? { pending: 0, approved: 0, paid: 0, credit: 0 }).toMatchObject(sums)
  return balance
}

describe.each(testDrivers)('the journey on %s: click → landing → pixel → pending → approval job → approved balance', (driver) => {
  let network: TestNetwork
  beforeAll(async () => { network = await startTestNetwork({}, undefined, { driver }) })
  afterAll(() => network.destroy())

  it('credits the publisher, first pending, then approved by the Agenda job when the hold period ends', async () => {
    const s = await createScenario(network.storage, { holdDays: 0 })
    const click = await clickLink(network.url, s.linkCode)
    expect(click.status).toBe(302)
    const pixel = await fetch(`${network.url}/px?t=${s.trackingCode}&amount=120.00&id=journey-1`, { headers: { cookie: click.cookie! } })
    expect(pixel.status).toBe(200)
    const conversion = (await network.storage.conversions.getByOrder(s.advertiserId, 'journey-1'))!
    expect(conversion.commission).toBe(1200)
    // The job was scheduled for the end of the hold period (now) and runs without waiting for a poll.
    const approved = await until(async () => {
      const c = await network.storage.conversions.get(conversion.id)
      return c?.status === 'approved' && c
    })
    expect(approved.decidedAt).toBeInstanceOf(Date)
    const balance = await expectLedgerAgrees(network.storage, s.publisherId)
    expect(balance).toEqual({ currency: 'EUR', pending: 0, approved: 1200, paid: 0, credit: 0 })
  })

  it('keeps a conversion pending during its hold period', async () => {
    const s = await createScenario(network.storage, { holdDays: 14 })
    const click = await clickLink(network.url, s.linkCode)
    await fetch(`${network.url}/px?t=${s.trackingCode}&amount=10.00&id=held-1`, { headers: { cookie: click.cookie! } })
    const c = (await network.storage.conversions.getByOrder(s.advertiserId, 'held-1'))!
    expect(c.approveAt!.getTime() - c.createdAt.getTime()).toBeGreaterThanOrEqual(14 * 86_400_000 - 1000)
    expect(await network.services.lifecycle.approve(c.id)).toBeNull()
    expect((await network.storage.conversions.get(c.id))!.status).toBe('pending')
    // The sweep approves it once due.
    expect(await network.services.lifecycle.approveDue(new Date(Date.now() + 15 * 86_400_000))).toBeGreaterThanOrEqual(1)
    expect((await network.storage.conversions.get(c.id))!.status).toBe('approved')
    await expectLedgerAgrees(network.storage, s.publisherId)
  })
})

describe('approval jobs survive a restart', () => {
  it('approves after the server restarts a conversion whose job was scheduled before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'network-approve-'))
    try {
      const first = await startTestNetwork({}, dir)
      const s = await createScenario(first.storage, { holdDays: 30 })
      const click = await clickLink(first.url, s.linkCode)
      // A conversion whose hold period ends 1.5 s from now, its approval job scheduled; then the server stops.
      const recorded = await first.storage.conversions.insertIfAbsent({
        id: 'cnv_restart', advertiserId: s.advertiserId, campaignId: s.campaign.id, trackingCodeId: null, publisherId: s.publisherId,
        clickId: click.clickId, type: 'sale', orderId: 'restart-1', amount: 1000, currency: 'EUR', commission: 100, commissionCurrency: 'EUR',
        commissionRule: s.campaign.saleRule, status: 'pending', reason: 'attributed', source: 'api', refundedAmount: 0, reversedCommission: 0,
        customerEmail: null, approveAt: new Date(Date.now() + 1500),
      }, [])
      await first.services.lifecycle.scheduleApproval(recorded.conversion)
      await first.stop()
      const again = await startTestNetwork({}, dir)
      try {
        const approved = await until(async () => {
          const c = await again.storage.conversions.get('cnv_restart')
          return c?.status === 'approved' && c
        }, 15_000)
        expect(approved.decidedAt!.getTime()).toBeGreaterThanOrEqual(recorded.conversion.approveAt!.getTime())
      } finally {
        await again.stop()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('decline, refunds and chargebacks', () => {
  let network: TestNetwork
  let s: Scenario
  beforeAll(async () => {
    network = await startTestNetwork()
    s = await createScenario(network.storage, { holdDays: 30 })
  })
  afterAll(() => network.destroy())

  const sale = async (id: string, amount: string) => {
    const click = await clickLink(network.url, s.linkCode)
    await fetch(`${network.url}/px?t=${s.trackingCode}&amount=${amount}&id=${id}`, { headers: { cookie: click.cookie! } })
    return (await network.storage.conversions.getByOrder(s.advertiserId, id))!
  }

  it('declines a pending conversion and takes its commission out of pending', async () => {
    const c = await sale('decline-1', '100.00')
    const before = (await network.storage.ledger.balances(s.publisherId))[0]!
    const declined = await network.services.lifecycle.decline(s.advertiserId, c.id, 'test order')
    expect(declined.status).toBe('declined')
    expect((await network.storage.ledger.balances(s.publisherId))[0]!.pending).toBe(before.pending - 1000)
    await expect(network.services.lifecycle.decline(s.advertiserId, c.id, null)).rejects.toMatchObject({ status: 409 })
    await expectLedgerAgrees(network.storage, s.publisherId)
  })

  it("refuses another advertiser's conversion as if it did not exist", async () => {
    const c = await sale('mine-1', '10.00')
    const other = await createScenario(network.storage)
    await expect(network.services.lifecycle.decline(other.advertiserId, c.id, null)).rejects.toMatchObject({ status: 404 })
    await expect(network.services.lifecycle.refund(other.advertiserId, c.id, { kind: 'refund' })).rejects.toMatchObject({ status: 404 })
  })

  it('reverses commission on partial and full refunds; after approval with a negative approved entry', async () => {
    const c = await sale('refund-1', '200.00')
    await network.services.lifecycle.approveNow(s.advertiserId, c.id)
    const approvedBefore = (await network.storage.ledger.balances(s.publisherId))[0]!.approved
    const partial = await network.services.lifecycle.refund(s.advertiserId, c.id, { amount: 5000, kind: 'refund' })
    expect(partial).toMatchObject({ status: 'approved', refundedAmount: 5000, reversedCommission: 500 })
    expect((await network.storage.ledger.balances(s.publisherId))[0]!.approved).toBe(approvedBefore - 500)
    const entries = await network.storage.ledger.listByAccount(s.publisherId, 5)
    expect(entries[0]).toMatchObject({ kind: 'reversal', bucket: 'approved', amount: -500, conversionId: c.id })
    await expect(network.services.lifecycle.refund(s.advertiserId, c.id, { amount: 999_999, kind: 'refund' })).rejects.toMatchObject({ status: 400, field: 'amount' })
    const rest = await network.services.lifecycle.refund(s.advertiserId, c.id, { kind: 'chargeback' })
    expect(rest).toMatchObject({ status: 'reversed', refundedAmount: 20000, reversedCommission: 2000 })
    expect((await network.storage.ledger.balances(s.publisherId))[0]!.approved).toBe(approvedBefore - 2000)
    await expect(network.services.lifecycle.refund(s.advertiserId, c.id, { kind: 'refund' })).rejects.toMatchObject({ status: 409 })
    await expectLedgerAgrees(network.storage, s.publisherId)
  })

  it('applies only one of two concurrent refunds computed from the same state', async () => {
    const c = await sale('race-1', '100.00')
    // A barrier in front of the store's compare-and-set: each refund has read the conversion (refunded 0) before
    // either writes, so both are computed from the same state — every run, not when timing happens to allow it.
    const conversions = network.storage.conversions
    const transition = conversions.transition
    let arrived = 0
    let release!: () => void
    const bothRead = new Promise<void>((resolve) => { release = resolve })
    conversions.transition = async (t) => {
      if (t.id === c.id && ++arrived === 2) release()
      if (t.id === c.id) {
        await Promise.race([bothRead, new Promise((_, reject) => setTimeout(() => reject(new Error(`barrier: ${arrived} of 2 refunds arrived`)), 10_000))])
      }
      return transition.call(conversions, t)
    }
    let results: PromiseSettledResult<unknown>[]
    try {
      results = await Promise.allSettled([
        network.services.lifecycle.refund(s.advertiserId, c.id, { amount: 3000, kind: 'refund' }),
        network.services.lifecycle.refund(s.advertiserId, c.id, { amount: 2000, kind: 'refund' }),
      ])
    } finally {
      conversions.transition = transition
    }
    expect(arrived).toBe(2)
    const requested = [3000, 2000]
    const applied = requested.filter((_, i) => results[i]!.status === 'fulfilled')
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(applied).toHaveLength(1)
    expect(refused).toHaveLength(1)
    expect(refused[0]!.reason).toMatchObject({ status: 409, code: 'conflict' })
    const after = (await network.storage.conversions.get(c.id))!
    expect(after).toMatchObject({ refundedAmount: applied[0], reversedCommission: applied[0]! / 10 })
    const reversals = (await network.storage.ledger.listByAccount(s.publisherId, 10_000)).filter((e) => e.conversionId === c.id && e.kind === 'reversal')
    expect(reversals.map((e) => e.amount)).toEqual([-applied[0]! / 10])
    await expectLedgerAgrees(network.storage, s.publisherId)
    // The refused refund, sent again on the state it now reads, applies on top of the first.
    const loser = requested.find((amount) => amount !== applied[0])!
    expect(await network.services.lifecycle.refund(s.advertiserId, c.id, { amount: loser, kind: 'refund' })).toMatchObject({ refundedAmount: 5000, reversedCommission: 500 })
    await expectLedgerAgrees(network.storage, s.publisherId)
  })

  it('keeps balances equal to the ledger and to the conversions through a random sequence', async () => {
    const p = await createScenario(network.storage, { holdDays: 30 })
    let seed = 7
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const ids: string[] = []
    for (let i = 0; i < 30; i++) {
      const click = await clickLink(network.url, p.linkCode, { userAgent: `Mozilla/5.0 seq ${i}` })
      await fetch(`${network.url}/px?t=${p.trackingCode}&amount=${(1 + Math.floor(random() * 500)).toFixed(2)}&id=seq-${i}`, { headers: { cookie: click.cookie! } })
      ids.push((await network.storage.conversions.getByOrder(p.advertiserId, `seq-${i}`))!.id)
      const target = ids[Math.floor(random() * ids.length)]!
      const action = random()
      const attempt = action < 0.3 ? network.services.lifecycle.approveNow(p.advertiserId, target)
        : action < 0.45 ? network.services.lifecycle.decline(p.advertiserId, target, null)
          : action < 0.7 ? network.services.lifecycle.refund(p.advertiserId, target, { amount: 100, kind: 'refund' })
            : Promise.resolve()
      await attempt.catch((e: { status?: number }) => { if (!e.status || e.status >= 500) throw e })
      const balance = await expectLedgerAgrees(network.storage, p.publisherId)
      const conversions = await network.storage.conversions.list({ advertiserId: p.advertiserId, limit: 1000 })
      const owed = (status: string) => conversions.filter((c) => c.status === status).reduce((sum, c) => sum + c.commission - c.reversedCommission, 0)
      expect(balance).toMatchObject({ pending: owed('pending'), approved: owed('approved') })
    }
  })
})
