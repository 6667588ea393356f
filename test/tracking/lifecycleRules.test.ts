// createLifecycle() on its own, over a real embedded store (in memory, from the migrated image): the rules of
// approval, decline and refund, each pinned exactly — the codes and fields of every refusal, the ledger
// entries each step writes, the approval buckets. lifecycle.test.ts runs the same use-cases end to end through
// the HTTP API, the real Agenda and both stores.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../server/src/errors.js'
import { newId } from '../../server/src/ids.js'
import { createLogger } from '../../server/src/logger.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { UniqueViolation, type Conversion, type ConversionQuery, type NewConversion, type Storage } from '../../server/src/storage/types.js'
import { approveDueJob, createLifecycle, outstanding } from '../../server/src/conversions/lifecycle.js'
import { memoryStore } from '../support/stores.js'

const DAY = 86_400_000
let storage: PostgresStorage
let advertiserId: string
let publisherId: string

beforeAll(async () => {
  storage = await memoryStore()
  advertiserId = newId('acc')
  publisherId = newId('acc')
  for (const [id, roles] of [[advertiserId, ['advertiser']], [publisherId, ['publisher']]] as const) {
    await storage.accounts.create({ id, name: id, email: `${id}@rules.example`, roles: [...roles], status: 'active', passwordHash: null })
  }
})
afterAll(() => storage?.close())

/** What the lifecycle told the world: the jobs it scheduled, the approvals it reported, the errors it logged. */
let scheduled: { when: Date; job: string; data: Record<string, unknown>; key: string }[]
let approvedHook: Conversion[]
let failSchedule: boolean
let failHook: boolean
let logged: string[]
let loggedWith: Record<string, unknown>[]
const logger = createLogger('silent')
const spyLogger = new Proxy(logger, {
  get: (target, name) => (name === 'error' ? (obj: Record<string, unknown>, message: string) => void (logged.push(message), loggedWith.push(obj)) : Reflect.get(target, name)),
})
const lifecycle = () => createLifecycle({
  storage, logger: spyLogger,
  scheduleOnce: async (when, job, data, key) => {
    if (failSchedule) throw new Error('agenda down')
    scheduled.push({ when, job, data, key })
  },
  onApproved: async (c) => {
    approvedHook.push(c)
    if (failHook) throw new Error('credit step failed')
  },
})
beforeEach(() => {
  scheduled = []
  approvedHook = []
  failSchedule = false
  failHook = false
  logged = []
  loggedWith = []
})

async function recorded(patch: Partial<NewConversion> = {}): Promise<Conversion> {
  const l = lifecycle()
  const c: NewConversion = {
    id: newId('cnv'), advertiserId, campaignId: null, trackingCodeId: null, publisherId, clickId: null,
    type: 'sale', orderId: newId('ord'), amount: 10_000, currency: 'EUR', commission: 1_000, commissionCurrency: 'EUR',
    commissionRule: { kind: 'percent', basisPoints: 1000 }, status: 'pending', reason: 'attributed', source: 'api',
    refundedAmount: 0, reversedCommission: 0, customerEmail: null, approveAt: new Date(Date.now() + DAY), ...patch,
  }
  return (await storage.conversions.insertIfAbsent(c, l.earned(c))).conversion
}

const entriesOf = async (conversionId: string) =>
  (await storage.ledger.listByAccount(publisherId, 10_000)).filter((e) => e.conversionId === conversionId)
    .map((e) => ({ bucket: e.bucket, amount: e.amount, kind: e.kind, key: e.key, memo: e.memo, currency: e.currency }))
    // By key: the entries of one transaction have no order of their own.
    .sort((a, b) => (a.key < b.key ? -1 : 1))

/** The AppError a call is refused with, as { status, code, field } and the message. */
async function refusal(call: Promise<unknown>) {
  const error = await call.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  const e = error as AppError
  return { status: e.status, code: e.code, field: e.field, message: e.message }
}

describe('earned', () => {
  it('is one pending entry of the commission, keyed by the conversion; nothing without a publisher or a commission', async () => {
    const c = await recorded({ commissionCurrency: 'USD' })
    expect(await entriesOf(c.id)).toEqual([{ bucket: 'pending', amount: 1_000, kind: 'commission', key: `conversion:${c.id}:earned:pending`, memo: null, currency: 'USD' }])
    const l = lifecycle()
    expect(l.earned({ ...c, publisherId: null })).toEqual([])
    expect(l.earned({ ...c, commission: 0 })).toEqual([])
  })
})

describe('scheduleApproval', () => {
  it('asks for one approval run per 5-second bucket, at the end of the bucket, keyed by its time', async () => {
    const l = lifecycle()
    const at = Math.ceil((Date.now() + DAY) / 5_000) * 5_000
    await l.scheduleApproval({ id: 'a', approveAt: new Date(at - 4_999) })
    await l.scheduleApproval({ id: 'b', approveAt: new Date(at) })
    await l.scheduleApproval({ id: 'c', approveAt: new Date(at + 1) })
    expect(scheduled).toEqual([
      { when: new Date(at), job: approveDueJob, data: { at }, key: 'at' },
      { when: new Date(at + 5_000), job: approveDueJob, data: { at: at + 5_000 }, key: 'at' },
    ])
    // A bucket still ahead is remembered while others are added (only past ones are forgotten).
    await l.scheduleApproval({ id: 'd', approveAt: new Date(at - 1) })
    expect(scheduled).toHaveLength(2)
    // A bucket already past is forgotten when another is asked for: a conversion due in it is scheduled again
    // (Agenda runs a past-due job at once), not left for the sweep.
    const past = Math.ceil((Date.now() - 60_000) / 5_000) * 5_000
    await l.scheduleApproval({ id: 'e', approveAt: new Date(past) })
    await l.scheduleApproval({ id: 'f', approveAt: new Date(at + 10_000) })
    await l.scheduleApproval({ id: 'g', approveAt: new Date(past) })
    expect(scheduled.map((x) => x.when.getTime())).toEqual([at, at + 5_000, past, at + 10_000, past])
    // The name is stored with every scheduled job: renaming it would orphan the runs already scheduled.
    expect(approveDueJob).toBe('conversions.approve-due-at')
  })

  it('without a hold period, asks for a run now (the bucket that ends next)', async () => {
    const before = Date.now()
    await lifecycle().scheduleApproval({ id: 'a', approveAt: null })
    const when = scheduled[0]!.when.getTime()
    expect(when % 5_000).toBe(0)
    expect(when).toBeGreaterThanOrEqual(before)
    expect(when).toBeLessThanOrEqual(Date.now() + 5_000)
  })

  it('a scheduling failure is logged, never thrown, and the bucket is asked for again next time', async () => {
    const l = lifecycle()
    const approveAt = new Date(Date.now() + 2 * DAY)
    failSchedule = true
    await expect(l.scheduleApproval({ id: 'a', approveAt })).resolves.toBeUndefined()
    expect(logged).toEqual(['could not schedule approval'])
    expect(loggedWith).toEqual([{ err: expect.objectContaining({ message: 'agenda down' }), conversionId: 'a' }])
    failSchedule = false
    await l.scheduleApproval({ id: 'b', approveAt })
    expect(scheduled).toHaveLength(1)
  })
})

describe('approve and approveDue', () => {
  it('approves at the end of the hold period, not a millisecond before: pending −x, approved +x, then the after-approval step', async () => {
    const approveAt = new Date(Date.now() + DAY)
    const c = await recorded({ approveAt })
    const l = lifecycle()
    expect(await l.approve(c.id, new Date(approveAt.getTime() - 1))).toBeNull()
    expect((await storage.conversions.get(c.id))!.status).toBe('pending')
    const done = await l.approve(c.id, approveAt)
    expect(done).toMatchObject({ id: c.id, status: 'approved', decidedAt: approveAt })
    expect(approvedHook.map((x) => x.id)).toEqual([c.id])
    expect(await entriesOf(c.id)).toEqual([
      { bucket: 'approved', amount: 1_000, kind: 'approval', key: `conversion:${c.id}:approved:approved`, memo: null, currency: 'EUR' },
      { bucket: 'pending', amount: -1_000, kind: 'approval', key: `conversion:${c.id}:approved:pending`, memo: null, currency: 'EUR' },
      expect.objectContaining({ bucket: 'pending', amount: 1_000, kind: 'commission' }),
    ])
    // Approved already, or unknown: nothing happens.
    expect(await l.approve(c.id, approveAt)).toBeNull()
    expect(await l.approve('cnv_none', approveAt)).toBeNull()
    expect(approvedHook).toHaveLength(1)
  })

  it('approves only what is still owed after a partial refund', async () => {
    const c = await recorded({ approveAt: new Date(Date.now() - 1) })
    const l = lifecycle()
    await l.refund(advertiserId, c.id, { amount: 2_500, kind: 'refund' })
    const done = (await l.approve(c.id))!
    expect(outstanding(done)).toBe(750)
    expect((await entriesOf(c.id)).filter((e) => e.kind === 'approval').map((e) => [e.bucket, e.amount])).toEqual([['approved', 750], ['pending', -750]])
  })

  it('a failing after-approval step is logged; the approval stands', async () => {
    const c = await recorded({ approveAt: new Date(Date.now() - 1) })
    failHook = true
    expect(await lifecycle().approve(c.id)).toMatchObject({ status: 'approved' })
    expect(logged).toEqual(['after-approval step failed'])
    expect(loggedWith).toEqual([{ err: expect.objectContaining({ message: 'credit step failed' }), conversionId: c.id }])
    expect((await storage.conversions.get(c.id))!.status).toBe('approved')
  })

  it('approveDue approves every due conversion, page after page of 200, and none that is not due', async () => {
    const now = new Date(Date.now() + 400 * DAY)
    // Due at `now` exactly: a moment in the future no other test's conversion is due by.
    const due = await Promise.all(Array.from({ length: 205 }, () => recorded({ approveAt: now })))
    const later = await recorded({ approveAt: new Date(now.getTime() + 1) })
    const before = (await storage.conversions.list({ status: 'pending', dueBefore: now, limit: 10_000 })).length
    expect(await lifecycle().approveDue(now)).toBe(before)
    expect(before).toBeGreaterThanOrEqual(205)
    for (const c of due) expect((await storage.conversions.get(c.id))!.status).toBe('approved')
    expect((await storage.conversions.get(later.id))!.status).toBe('pending')
    expect(await lifecycle().approveDue(now)).toBe(0)
  })
})

describe('approveDue paging', () => {
  /** A lifecycle whose store lists what `list` gives, counting the listings (and stopping a runaway loop). */
  const listing = (list: (q: ConversionQuery) => Promise<Conversion[]>) => {
    let calls = 0
    const s = new Proxy(storage, {
      get: (t, name) => (name === 'conversions'
        ? { ...t.conversions, list: async (q: ConversionQuery) => {
            if (++calls > 5) throw new Error('approveDue keeps listing')
            return list(q)
          } }
        : Reflect.get(t, name)),
    })
    return { lifecycle: createLifecycle({ storage: s, logger: spyLogger, scheduleOnce: async () => undefined }), calls: () => calls }
  }

  it('a short page is the last: one listing', async () => {
    const now = new Date(Date.now() + 800 * DAY)
    await lifecycle().approveDue(now)
    await Promise.all(Array.from({ length: 3 }, () => recorded({ approveAt: now })))
    const l = listing((q) => storage.conversions.list(q))
    expect(await l.lifecycle.approveDue(now)).toBe(3)
    expect(l.calls()).toBe(1)
  })

  it('a full page where nothing could be approved (decided meanwhile) ends the run instead of listing it again', async () => {
    const c = await recorded({ approveAt: new Date(Date.now() - 1) })
    await lifecycle().approve(c.id)
    // A stale view: 200 rows that read as pending and due, all decided already.
    const l = listing(async () => Array.from({ length: 200 }, () => ({ ...c, status: 'pending' as const })))
    expect(await l.lifecycle.approveDue(new Date())).toBe(0)
    expect(l.calls()).toBe(1)
  })
})

describe('approveNow and decline: the advertiser decides', () => {
  it('refuse another advertiser’s conversion as if it did not exist, and a decided one with 409 naming status', async () => {
    const c = await recorded()
    const l = lifecycle()
    for (const call of [l.approveNow('acc_other', c.id), l.decline('acc_other', c.id, null), l.refund('acc_other', c.id, { kind: 'refund' }), l.approveNow(advertiserId, 'cnv_none')]) {
      expect(await refusal(call)).toMatchObject({ status: 404, code: 'not_found', message: 'conversion not found' })
    }
    expect(await l.approveNow(advertiserId, c.id)).toMatchObject({ status: 'approved' })
    expect(await refusal(l.approveNow(advertiserId, c.id))).toEqual({ status: 409, code: 'not_pending', field: 'status', message: 'only pending conversions can be approved (this one is approved)' })
    expect(await refusal(l.decline(advertiserId, c.id, null))).toEqual({ status: 409, code: 'not_pending', field: 'status', message: 'only pending conversions can be declined (this one is approved); refund an approved one' })
  })

  it('a decision taken on a state that changed meanwhile is a 409 naming status, and nothing runs after it', async () => {
    for (const decide of ['approveNow', 'decline'] as const) {
      const c = await recorded()
      // Another process approved it first; this one still reads it as pending.
      await lifecycle().approveNow(advertiserId, c.id)
      approvedHook = []
      const stale = new Proxy(storage, { get: (t, name) => (name === 'conversions' ? { ...t.conversions, get: async () => ({ ...c, status: 'pending' as const }) } : Reflect.get(t, name)) })
      const racing = createLifecycle({ storage: stale, logger: spyLogger, scheduleOnce: async () => undefined, onApproved: async (x) => void approvedHook.push(x) })
      const call = decide === 'approveNow' ? racing.approveNow(advertiserId, c.id) : racing.decline(advertiserId, c.id, null)
      expect(await refusal(call), decide).toEqual({ status: 409, code: 'conflict', field: 'status', message: 'the conversion changed meanwhile; try again' })
      expect(approvedHook, decide).toEqual([])
      expect(logged, decide).toEqual([])
      expect((await storage.conversions.get(c.id))!.status).toBe('approved')
      expect((await entriesOf(c.id)).map((e) => e.kind)).toEqual(['approval', 'approval', 'commission'])
    }
  })

  it('approveNow does not wait for the hold period', async () => {
    const c = await recorded({ approveAt: new Date(Date.now() + 30 * DAY) })
    expect(await lifecycle().approveNow(advertiserId, c.id)).toMatchObject({ status: 'approved' })
    expect(approvedHook.map((x) => x.id)).toEqual([c.id])
  })

  it('decline takes what is still owed out of pending, with the reason as the memo', async () => {
    const c = await recorded()
    const l = lifecycle()
    await l.refund(advertiserId, c.id, { amount: 1_000, kind: 'refund' })
    const done = await l.decline(advertiserId, c.id, 'test order')
    expect(done).toMatchObject({ status: 'declined', decidedAt: expect.any(Date) })
    expect((await entriesOf(c.id)).filter((e) => e.kind === 'decline')).toEqual([
      { bucket: 'pending', amount: -900, kind: 'decline', key: `conversion:${c.id}:declined:pending`, memo: 'test order', currency: 'EUR' },
    ])
    expect(await refusal(l.decline(advertiserId, c.id, null))).toMatchObject({ status: 409, code: 'not_pending' })
  })
})

describe('refund', () => {
  it('refuses an amount that is not a positive whole number of minor units, or more than is left, naming amount', async () => {
    const c = await recorded()
    const l = lifecycle()
    for (const amount of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      expect(await refusal(l.refund(advertiserId, c.id, { amount, kind: 'refund' })), String(amount)).toEqual({ status: 400, code: 'bad_amount', field: 'amount', message: 'amount must be a positive amount' })
    }
    await l.refund(advertiserId, c.id, { amount: 9_000, kind: 'refund' })
    expect(await refusal(l.refund(advertiserId, c.id, { amount: 1_001, kind: 'refund' }))).toEqual({ status: 400, code: 'bad_amount', field: 'amount', message: 'amount exceeds what is left to refund (1000 minor units)' })
  })

  it('without an amount refunds all that is left: the conversion is reversed, and nothing is left to refund', async () => {
    const c = await recorded()
    const l = lifecycle()
    await l.refund(advertiserId, c.id, { amount: 4_000, kind: 'refund' })
    const done = await l.refund(advertiserId, c.id, { kind: 'chargeback' })
    expect(done).toMatchObject({ status: 'reversed', refundedAmount: 10_000, reversedCommission: 1_000, decidedAt: expect.any(Date) })
    expect((await entriesOf(c.id)).filter((e) => e.kind === 'reversal')).toEqual([
      { bucket: 'pending', amount: -600, kind: 'reversal', key: `conversion:${c.id}:chargeback:4000:pending`, memo: 'chargeback', currency: 'EUR' },
      { bucket: 'pending', amount: -400, kind: 'reversal', key: `conversion:${c.id}:refund:0:pending`, memo: 'refund', currency: 'EUR' },
    ])
    expect(await refusal(l.refund(advertiserId, c.id, { kind: 'refund' }))).toEqual({ status: 409, code: 'not_refundable', field: 'status', message: 'a reversed conversion cannot be refunded' })
  })

  it('reverses an approved commission on the approved balance, and keeps a partly refunded one approved', async () => {
    const c = await recorded({ approveAt: new Date(Date.now() - 1) })
    const l = lifecycle()
    await l.approve(c.id)
    const partly = await l.refund(advertiserId, c.id, { amount: 2_000, kind: 'refund', reason: 'one item back' })
    expect(partly).toMatchObject({ status: 'approved', refundedAmount: 2_000, reversedCommission: 200, decidedAt: expect.any(Date) })
    expect((await entriesOf(c.id)).filter((e) => e.kind === 'reversal')).toEqual([
      { bucket: 'approved', amount: -200, kind: 'reversal', key: `conversion:${c.id}:refund:0:approved`, memo: 'one item back', currency: 'EUR' },
    ])
  })

  it('a fixed commission stays until the last minor unit is refunded', async () => {
    const c = await recorded({ commissionRule: { kind: 'fixed', amount: 1_000 } })
    const l = lifecycle()
    expect(await l.refund(advertiserId, c.id, { amount: 9_999, kind: 'refund' })).toMatchObject({ status: 'pending', reversedCommission: 0 })
    // No entry for a reversal of zero.
    expect((await entriesOf(c.id)).filter((e) => e.kind === 'reversal')).toEqual([])
    expect(await l.refund(advertiserId, c.id, { kind: 'refund' })).toMatchObject({ status: 'reversed', reversedCommission: 1_000 })
  })

  it('a refund computed from a state that changed meanwhile is a 409, and writes nothing', async () => {
    const c = await recorded()
    // Another process refunds first; this one still holds the conversion as it was.
    const original = storage.conversions.get.bind(storage.conversions)
    await lifecycle().refund(advertiserId, c.id, { amount: 1_000, kind: 'refund' })
    const spied = new Proxy(storage, { get: (t, name) => (name === 'conversions' ? { ...t.conversions, get: async () => ({ ...(await original(c.id))!, refundedAmount: 0, reversedCommission: 0 }) } : Reflect.get(t, name)) })
    const racing = createLifecycle({ storage: spied, logger, scheduleOnce: async () => undefined })
    expect(await refusal(racing.refund(advertiserId, c.id, { amount: 500, kind: 'refund' }))).toEqual({ status: 409, code: 'conflict', field: 'amount', message: 'the conversion changed meanwhile; reload it and try again' })
    expect((await storage.conversions.get(c.id))!.refundedAmount).toBe(1_000)
    expect((await entriesOf(c.id)).filter((e) => e.kind === 'reversal')).toHaveLength(1)
  })

  /** A lifecycle whose store fails the refund's transition with `error`. */
  const failingTransition = (error: Error) => createLifecycle({
    storage: new Proxy(storage, { get: (t, name) => (name === 'conversions' ? { ...t.conversions, get: t.conversions.get.bind(t.conversions), transition: async () => { throw error } } : Reflect.get(t, name)) }) as Storage,
    logger, scheduleOnce: async () => undefined,
  })

  it('two refunds of the same state racing for one ledger key: the loser gets the 409', async () => {
    const c = await recorded()
    expect(await refusal(failingTransition(new UniqueViolation('ledger entry')).refund(advertiserId, c.id, { amount: 500, kind: 'refund' }))).toMatchObject({ status: 409, code: 'conflict', field: 'amount' })
  })

  it('any other failure of the store is not dressed up as a conflict: it reaches the caller as it is', async () => {
    const c = await recorded()
    const lost = new Error('connection lost')
    await expect(failingTransition(lost).refund(advertiserId, c.id, { amount: 500, kind: 'refund' })).rejects.toBe(lost)
  })
})
