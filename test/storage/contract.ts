// The storage contract suite: every operation of server/src/storage/types.ts, run against each driver.
// Like Agenda's shared backend suites, it is a function that takes a factory for a fresh, connected store.
import { randomUUID } from 'node:crypto'
import { Agenda } from 'agenda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UniqueViolation } from '../../server/src/storage/types.js'
import { revenueContract } from './revenueContract.js'
import type {
  Click, NewCampaign, NewMessage, NewOrder, NewConversion, NewLedgerEntry, RequestLogEntry, Storage,
} from '../../server/src/storage/types.js'

export interface DriverHarness {
  storage: Storage
  cleanup(): Promise<void>
}

const id = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`
/** Waits until the clock is past `t` by more than a millisecond, so the next row is stored strictly later. */
async function clockPasses(t: Date) {
  while (Date.now() <= t.getTime() + 1) await new Promise((resolve) => setTimeout(resolve, 2))
}

export function storageContract(name: string, createHarness: () => Promise<DriverHarness>) {
  describe(`storage contract: ${name}`, () => {
    let harness: DriverHarness
    let s: Storage
    beforeAll(async () => {
      harness = await createHarness()
      s = harness.storage
    })
    afterAll(async () => {
      await harness?.cleanup()
    })

    const account = (roles: ('advertiser' | 'publisher' | 'admin')[] = ['advertiser']) =>
      s.accounts.create({ id: id('acc'), name: 'Acme', email: `${id('u')}@Example.com`, roles, status: 'active', passwordHash: null })
    const campaign = async (advertiserId: string, patch: Partial<NewCampaign> = {}) =>
      s.campaigns.create({
        id: id('cmp'), advertiserId, name: 'Spring sale', description: 'Up to 30 % off', status: 'active',
        currency: 'EUR', landingUrls: ['https://shop.example/landing'], cookieWindowDays: 30, holdDays: 14,
        attribution: 'last_click', saleRule: { kind: 'percent', basisPoints: 1000 }, leadRule: null, ...patch,
      })
    const conversion = (advertiserId: string, patch: Partial<NewConversion> = {}): NewConversion => ({
      id: id('cnv'), advertiserId, campaignId: null, trackingCodeId: null, publisherId: null, clickId: null,
      type: 'sale', orderId: id('order'), amount: 1995, currency: 'EUR', commission: 200, commissionCurrency: 'EUR',
      commissionRule: { kind: 'percent', basisPoints: 1000 }, status: 'pending', reason: 'attributed', source: 'api',
      refundedAmount: 0, reversedCommission: 0, customerEmail: null, approveAt: new Date(Date.now() + 86_400_000),
      ...patch,
    })
    const entry = (accountId: string, patch: Partial<NewLedgerEntry> = {}): NewLedgerEntry => ({
      accountId, bucket: 'pending', amount: 100, currency: 'EUR', kind: 'commission', conversionId: null,
      payoutId: null, key: id('key'), memo: null, ...patch,
    })

    it('answers ping', async () => {
      expect(await s.ping()).toBe(true)
    })

    describe('accounts', () => {
      it('creates, reads by id and by email case-insensitively, lists and updates', async () => {
        const a = await account(['advertiser', 'publisher'])
        expect(a.email).toBe(a.email.toLowerCase())
        expect(a.createdAt).toBeInstanceOf(Date)
        expect(await s.accounts.get(a.id)).toEqual(a)
        expect(await s.accounts.getByEmail(a.email.toUpperCase())).toEqual(a)
        expect((await s.accounts.list()).map((x) => x.id)).toContain(a.id)
        const updated = await s.accounts.update(a.id, { status: 'suspended', passwordHash: 'h1' })
        expect(updated).toMatchObject({ status: 'suspended', passwordHash: 'h1', name: 'Acme', roles: ['advertiser', 'publisher'] })
        expect(await s.accounts.update(a.id, { name: 'Acme Ltd' })).toMatchObject({ name: 'Acme Ltd', passwordHash: 'h1' })
        expect(await s.accounts.update(a.id, { passwordHash: null })).toMatchObject({ passwordHash: null })
        expect(await s.accounts.get('acc_missing')).toBeNull()
        expect(await s.accounts.update('acc_missing', { name: 'x' })).toBeNull()
      })
      it('refuses a second account with the same email, also when created concurrently', async () => {
        const email = `${id('dup')}@example.com`
        const attempts = await Promise.allSettled(
          Array.from({ length: 10 }, () =>
            s.accounts.create({ id: id('acc'), name: 'Dup', email, roles: ['publisher'], status: 'pending', passwordHash: null })),
        )
        expect(attempts.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        for (const r of attempts.filter((r) => r.status === 'rejected')) {
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(UniqueViolation)
        }
      })
    })

    describe('api keys', () => {
      it('finds active keys by hash, lists per account, revokes only the owner’s key', async () => {
        const a = await account()
        const b = await account()
        const hash = randomUUID()
        const key = await s.apiKeys.create({ id: id('key'), accountId: a.id, name: 'shop server', prefix: 'nw_abc', hash })
        expect(key.revokedAt).toBeNull()
        expect(await s.apiKeys.findActiveByHash(hash)).toEqual(key)
        expect(await s.apiKeys.listByAccount(a.id)).toEqual([key])
        expect(await s.apiKeys.revoke(b.id, key.id)).toBe(false)
        expect(await s.apiKeys.findActiveByHash(hash)).not.toBeNull()
        expect(await s.apiKeys.revoke(a.id, key.id)).toBe(true)
        expect(await s.apiKeys.revoke(a.id, key.id)).toBe(false)
        expect(await s.apiKeys.findActiveByHash(hash)).toBeNull()
        expect((await s.apiKeys.listByAccount(a.id))[0]!.revokedAt).toBeInstanceOf(Date)
        await expect(s.apiKeys.create({ id: id('key'), accountId: a.id, name: 'again', prefix: 'nw_x', hash }))
          .rejects.toBeInstanceOf(UniqueViolation)
      })
    })

    describe('campaigns and commission overrides', () => {
      it('creates, reads, lists by advertiser and active, and updates', async () => {
        const a = await account()
        const c = await campaign(a.id, { leadRule: { kind: 'fixed', amount: 150 } })
        expect(await s.campaigns.get(c.id)).toEqual(c)
        expect(c.saleRule).toEqual({ kind: 'percent', basisPoints: 1000 })
        const paused = await campaign(a.id, { status: 'paused', saleRule: { kind: 'fixed', amount: 500 } })
        expect((await s.campaigns.listByAdvertiser(a.id)).map((x) => x.id)).toEqual([c.id, paused.id])
        const active = (await s.campaigns.listActive()).map((x) => x.id)
        expect(active).toContain(c.id)
        expect(active).not.toContain(paused.id)
        const updated = await s.campaigns.update(c.id, { holdDays: 0, landingUrls: ['https://a.example/', 'https://b.example/'], leadRule: null })
        expect(updated).toMatchObject({ holdDays: 0, landingUrls: ['https://a.example/', 'https://b.example/'], leadRule: null, name: 'Spring sale' })
        expect(await s.campaigns.update('cmp_missing', { holdDays: 1 })).toBeNull()
      })
      it('keeps a first-party path: none unless given, set, changed and cleared by update', async () => {
        const a = await account()
        const c = await campaign(a.id)
        expect(c.firstPartyPath).toBeNull()
        expect(await s.campaigns.get(c.id)).toMatchObject({ firstPartyPath: null })
        const withPath = await campaign(a.id, { firstPartyPath: '/_nw' })
        expect(await s.campaigns.get(withPath.id)).toMatchObject({ firstPartyPath: '/_nw' })
        expect(await s.campaigns.update(c.id, { firstPartyPath: '/track' })).toMatchObject({ firstPartyPath: '/track' })
        // A patch of other fields leaves it alone.
        expect(await s.campaigns.update(c.id, { holdDays: 3 })).toMatchObject({ firstPartyPath: '/track', holdDays: 3 })
        expect(await s.campaigns.update(c.id, { firstPartyPath: null })).toMatchObject({ firstPartyPath: null })
        expect(await s.campaigns.get(c.id)).toMatchObject({ firstPartyPath: null })
      })
      it('puts, replaces, reads, lists and removes an override', async () => {
        const a = await account()
        const p = await account(['publisher'])
        const c = await campaign(a.id)
        await s.commissionOverrides.put({ campaignId: c.id, publisherId: p.id, saleRule: { kind: 'percent', basisPoints: 1500 }, leadRule: null })
        const replaced = await s.commissionOverrides.put({ campaignId: c.id, publisherId: p.id, saleRule: null, leadRule: { kind: 'fixed', amount: 99 } })
        expect(await s.commissionOverrides.get(c.id, p.id)).toEqual(replaced)
        expect(await s.commissionOverrides.listByCampaign(c.id)).toEqual([replaced])
        expect(await s.commissionOverrides.remove(c.id, p.id)).toBe(true)
        expect(await s.commissionOverrides.remove(c.id, p.id)).toBe(false)
        expect(await s.commissionOverrides.get(c.id, p.id)).toBeNull()
      })
    })

    describe('links and tracking codes', () => {
      it('creates links with unique codes, finds them by code, lists and pauses', async () => {
        const a = await account()
        const p = await account(['publisher'])
        const c = await campaign(a.id)
        const code = id('l')
        const link = await s.links.create({ id: id('lnk'), code, campaignId: c.id, advertiserId: a.id, publisherId: p.id, landingUrl: c.landingUrls[0]!, status: 'active' })
        expect(await s.links.getByCode(code)).toEqual(link)
        expect(await s.links.get(link.id)).toEqual(link)
        expect(await s.links.listByPublisher(p.id)).toEqual([link])
        expect(await s.links.listByCampaign(c.id)).toEqual([link])
        expect(await s.links.setStatus(link.id, 'paused')).toMatchObject({ status: 'paused' })
        await expect(s.links.create({ ...link, id: id('lnk') })).rejects.toBeInstanceOf(UniqueViolation)
        expect(await s.links.getByCode('nope')).toBeNull()
      })
      it('creates tracking codes, finds them by code, lists and updates', async () => {
        const a = await account()
        const c = await campaign(a.id)
        const t = await s.trackingCodes.create({
          id: id('tc'), code: id('TC'), advertiserId: a.id, campaignId: c.id, name: 'Thank-you page', method: 'POST',
          redirectUrl: 'https://shop.example/thanks', postbackSecret: 'secret', status: 'active',
        })
        expect(await s.trackingCodes.getByCode(t.code)).toEqual(t)
        expect(await s.trackingCodes.get(t.id)).toEqual(t)
        expect(await s.trackingCodes.listByAdvertiser(a.id)).toEqual([t])
        expect(await s.trackingCodes.update(t.id, { method: 'GET', redirectUrl: null })).toMatchObject({ method: 'GET', redirectUrl: null, name: 'Thank-you page' })
        // A field given as undefined is left as it is (a partial form), unlike null.
        expect(await s.trackingCodes.update(t.id, { name: 'Renamed', method: undefined, status: undefined })).toMatchObject({ name: 'Renamed', method: 'GET', status: t.status })
        await expect(s.trackingCodes.create({ ...t, id: id('tc') })).rejects.toBeInstanceOf(UniqueViolation)
      })
    })

    describe('clicks', () => {
      it('stores a batch in one call, reads a click back and answers duplicate look-ups by time', async () => {
        const at = new Date(Date.now() - 60_000)
        const base: Omit<Click, 'id' | 'createdAt'> = {
          linkId: id('lnk'), campaignId: 'cmp', advertiserId: 'adv', publisherId: 'pub', subIds: ['fb', null, null, null, 'x'],
          userAgent: 'Mozilla/5.0', referrer: null, ipHash: 'iphash', visitorKey: 'visitor-1', bot: false, duplicate: false,
          landingUrl: 'https://shop.example/',
        }
        const batch: Click[] = Array.from({ length: 50 }, (_, i) => ({ ...base, id: id('clk'), createdAt: new Date(at.getTime() + i), visitorKey: `visitor-${i}` }))
        await s.clicks.insertMany(batch)
        await s.clicks.insertMany([])
        expect(await s.clicks.get(batch[7]!.id)).toEqual(batch[7])
        expect(await s.clicks.get('missing')).toBeNull()
      })
      it('stores a replayed batch once: clicks already stored stay as they are, the new ones are stored', async () => {
        const click = (visitorKey: string): Click => ({
          id: id('clk'), linkId: id('lnk'), campaignId: 'cmp', advertiserId: 'adv', publisherId: 'pub', createdAt: new Date(), subIds: [null, null, null, null, null],
          userAgent: null, referrer: null, ipHash: null, visitorKey, bot: false, duplicate: false, landingUrl: 'https://shop.example/',
        })
        const stored = click('v1')
        await s.clicks.insertMany([stored])
        const fresh = click('v2')
        await s.clicks.insertMany([{ ...stored, visitorKey: 'changed' }, fresh])
        expect(await s.clicks.get(stored.id)).toEqual(stored)
        expect(await s.clicks.get(fresh.id)).toEqual(fresh)
      })
      it('marks a click as a duplicate when the same visitor clicked the same link within the window', async () => {
        const linkId = id('lnk')
        const click = (visitor: string, createdAt: Date, link = linkId): Click => ({
          id: id('clk'), linkId: link, campaignId: 'cmp', advertiserId: 'adv', publisherId: 'pub', createdAt, subIds: [null, null, null, null, null],
          userAgent: null, referrer: null, ipHash: null, visitorKey: visitor, bot: false, duplicate: false, landingUrl: 'https://shop.example/',
        })
        const t0 = Date.now() - 3_600_000
        const first = click('v1', new Date(t0))
        await s.clicks.insertMany([first], { duplicateWindowMs: 60_000 })
        const again = click('v1', new Date(t0 + 30_000))
        const later = click('v1', new Date(t0 + 200_000))
        const otherVisitor = click('v2', new Date(t0 + 30_000))
        const otherLink = click('v1', new Date(t0 + 30_000), id('lnk'))
        const noWindow = click('v1', new Date(t0 + 10_000))
        await s.clicks.insertMany([again, later, otherVisitor, otherLink], { duplicateWindowMs: 60_000 })
        await s.clicks.insertMany([noWindow])
        expect((await s.clicks.get(first.id))!.duplicate).toBe(false)
        expect((await s.clicks.get(again.id))!.duplicate).toBe(true)
        expect((await s.clicks.get(later.id))!.duplicate).toBe(false)
        expect((await s.clicks.get(otherVisitor.id))!.duplicate).toBe(false)
        expect((await s.clicks.get(otherLink.id))!.duplicate).toBe(false)
        expect((await s.clicks.get(noWindow.id))!.duplicate).toBe(false)
      })
    })

    describe('conversions', () => {
      it('forgets the buyer email of conversions created before the cutoff, and only those', async () => {
        const adv = await account()
        const old = (await s.conversions.insertIfAbsent(conversion(adv.id, { customerEmail: 'old@buyer.example' }), [])).conversion
        // The next conversion is created strictly later than the first (a cutoff between the two).
        while (Date.now() <= old.createdAt.getTime() + 1) await new Promise((resolve) => setTimeout(resolve, 1))
        const recent = (await s.conversions.insertIfAbsent(conversion(adv.id, { customerEmail: 'recent@buyer.example' }), [])).conversion
        expect(recent.createdAt.getTime()).toBeGreaterThan(old.createdAt.getTime() + 1)
        const cutoff = new Date(old.createdAt.getTime() + 1)
        expect(await s.conversions.forgetBefore(cutoff)).toBeGreaterThanOrEqual(1)
        expect(await s.conversions.get(old.id)).toMatchObject({ customerEmail: null, amount: old.amount, orderId: old.orderId })
        expect(await s.conversions.get(recent.id)).toMatchObject({ customerEmail: 'recent@buyer.example' })
        expect(await s.conversions.forgetBefore(cutoff)).toBe(0)
      })
      it('inserts a conversion with its ledger entries, then refuses the same order id for that advertiser', async () => {
        const adv = await account()
        const pub = await account(['publisher'])
        const c = conversion(adv.id, { publisherId: pub.id })
        const first = await s.conversions.insertIfAbsent(c, [entry(pub.id, { conversionId: c.id, amount: 200, key: `${c.id}:commission` })])
        expect(first.created).toBe(true)
        expect(first.conversion).toMatchObject({ id: c.id, amount: 1995, currency: 'EUR', commission: 200, status: 'pending', decidedAt: null })
        expect(await s.conversions.get(c.id)).toEqual(first.conversion)
        expect(await s.conversions.getByOrder(adv.id, c.orderId)).toEqual(first.conversion)
        const again = await s.conversions.insertIfAbsent({ ...c, id: id('cnv'), amount: 1 }, [entry(pub.id, { key: id('other') })])
        expect(again).toEqual({ conversion: first.conversion, created: false })
        expect(await s.ledger.balances(pub.id)).toEqual([{ currency: 'EUR', pending: 200, approved: 0, paid: 0, credit: 0 }])
        // The same order id at another advertiser is another conversion.
        const other = await account()
        expect((await s.conversions.insertIfAbsent({ ...c, id: id('cnv'), advertiserId: other.id }, [])).created).toBe(true)
      })
      it('upgrades an unattributed pending conversion once, with its ledger entry, and nothing else', async () => {
        const adv = await account()
        const pub = await account(['publisher'])
        const approveAt = new Date(Date.now() + 86_400_000)
        const set = (clickId: string) => ({
          publisherId: pub.id, clickId, campaignId: 'cmp_up', commission: 250, commissionCurrency: 'EUR',
          commissionRule: { kind: 'percent' as const, basisPoints: 1000 }, reason: 'attributed', approveAt,
        })
        const upgrade = (c: { id: string }, clickId: string, createdAfter = new Date(Date.now() - 3_600_000)) =>
          s.conversions.upgrade({ id: c.id, createdAfter, set: set(clickId), ledger: [entry(pub.id, { conversionId: c.id, amount: 250, key: `${c.id}:earned:${clickId}` })] })
        const open = (await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: null, commission: 0, reason: 'no_click' }), [])).conversion
        const done = await upgrade(open, 'clk_a')
        expect(done).toMatchObject({ id: open.id, ...set('clk_a'), status: 'pending', amount: open.amount, orderId: open.orderId })
        expect(await s.conversions.get(open.id)).toEqual(done)
        // Attributed now: a second upgrade (another click) changes nothing.
        expect(await upgrade(open, 'clk_b')).toBeNull()
        expect((await s.conversions.get(open.id))!.clickId).toBe('clk_a')
        expect((await s.ledger.balances(pub.id))[0]!.pending).toBe(250)
        // Never an attributed, a decided, a refunded or a too old one.
        const attributed = (await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: pub.id }), [])).conversion
        const declined = (await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: null, status: 'declined' }), [])).conversion
        const refunded = (await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: null, refundedAmount: 100 }), [])).conversion
        const old = (await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: null }), [])).conversion
        expect(await upgrade(attributed, 'clk_c')).toBeNull()
        expect(await upgrade(declined, 'clk_d')).toBeNull()
        expect(await upgrade(refunded, 'clk_e')).toBeNull()
        expect(await upgrade(old, 'clk_f', new Date(old.createdAt.getTime() + 1))).toBeNull()
        expect(await upgrade(old, 'clk_f', old.createdAt)).not.toBeNull()
        expect((await s.ledger.balances(pub.id))[0]!.pending).toBe(500)
        // 10 racing upgrades of one conversion: one wins, one ledger entry.
        const racing = (await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: null }), [])).conversion
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => upgrade(racing, `clk_r${i}`)))
        expect(results.filter((r) => r !== null)).toHaveLength(1)
        expect((await s.ledger.listByAccount(pub.id, 100)).filter((e) => e.conversionId === racing.id)).toHaveLength(1)
      })
      it('creates exactly one conversion and one ledger entry when 20 identical requests race', async () => {
        const adv = await account()
        const pub = await account(['publisher'])
        const orderId = id('race')
        const results = await Promise.all(Array.from({ length: 20 }, () => {
          const c = conversion(adv.id, { orderId, publisherId: pub.id })
          return s.conversions.insertIfAbsent(c, [entry(pub.id, { conversionId: c.id, amount: 300, key: `${c.id}:commission` })])
        }))
        expect(results.filter((r) => r.created)).toHaveLength(1)
        expect(new Set(results.map((r) => r.conversion.id)).size).toBe(1)
        expect(await s.ledger.listByAccount(pub.id)).toHaveLength(1)
        expect((await s.ledger.balances(pub.id))[0]!.pending).toBe(300)
      })
      it('lists newest first with filters and a limit', async () => {
        const adv = await account()
        const pub = await account(['publisher'])
        const made = []
        for (let i = 0; i < 4; i++) {
          made.push((await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: i % 2 ? pub.id : null, status: i === 3 ? 'approved' : 'pending' }), [])).conversion)
        }
        const all = await s.conversions.list({ advertiserId: adv.id })
        expect(all.map((c) => c.id)).toEqual(made.map((c) => c.id).reverse())
        expect((await s.conversions.list({ advertiserId: adv.id, publisherId: pub.id })).map((c) => c.id)).toEqual([made[3]!.id, made[1]!.id])
        expect((await s.conversions.list({ advertiserId: adv.id, status: 'approved' })).map((c) => c.id)).toEqual([made[3]!.id])
        expect(await s.conversions.list({ advertiserId: adv.id, limit: 2 })).toHaveLength(2)
        expect(await s.conversions.list({ advertiserId: adv.id, from: new Date(Date.now() + 60_000) })).toEqual([])
        expect(await s.conversions.list({ advertiserId: adv.id, to: new Date(Date.now() + 60_000) })).toHaveLength(4)
        expect(await s.conversions.list({ advertiserId: adv.id, to: made[0]!.createdAt })).toEqual([])
        expect(await s.conversions.list({ advertiserId: adv.id, campaignId: 'cmp_elsewhere' })).toEqual([])
        // No filter at all: the newest of every advertiser.
        expect(await s.conversions.list({ limit: 1 })).toHaveLength(1)
        const due = (await s.conversions.insertIfAbsent(conversion(adv.id, { approveAt: new Date(Date.now() - 1000) }), [])).conversion
        expect((await s.conversions.list({ advertiserId: adv.id, status: 'pending', dueBefore: new Date() })).map((c) => c.id)).toEqual([due.id])
      })
      it('transitions only from allowed states, atomically with its ledger entries', async () => {
        const adv = await account()
        const pub = await account(['publisher'])
        const c = (await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: pub.id }), [entry(pub.id, { amount: 200 })])).conversion
        const decidedAt = new Date()
        const approve = () => s.conversions.transition({
          id: c.id, from: ['pending'], set: { status: 'approved', decidedAt },
          ledger: [entry(pub.id, { bucket: 'pending', amount: -200, kind: 'approval', key: `${c.id}:approve:-` }),
            entry(pub.id, { bucket: 'approved', amount: 200, kind: 'approval', key: `${c.id}:approve:+` })],
        })
        // Concurrent approvals: exactly one applies.
        const results = await Promise.all([approve(), approve(), approve()])
        expect(results.filter(Boolean)).toHaveLength(1)
        expect(results.find(Boolean)).toMatchObject({ status: 'approved', decidedAt })
        expect(await s.ledger.balances(pub.id)).toEqual([{ currency: 'EUR', pending: 0, approved: 200, paid: 0, credit: 0 }])
        const refunded = await s.conversions.transition({
          id: c.id, from: ['approved'], set: { refundedAmount: 995, reversedCommission: 100 },
          ledger: [entry(pub.id, { bucket: 'approved', amount: -100, kind: 'reversal' })],
        })
        expect(refunded).toMatchObject({ status: 'approved', refundedAmount: 995, reversedCommission: 100 })
        // A refund computed from a stale refunded amount does not apply.
        expect(await s.conversions.transition({ id: c.id, from: ['approved'], whenRefundedAmount: 0, set: { refundedAmount: 500 }, ledger: [] })).toBeNull()
        expect(await s.conversions.transition({ id: c.id, from: ['approved'], whenRefundedAmount: 995, set: { refundedAmount: 1000 }, ledger: [] })).toMatchObject({ refundedAmount: 1000 })
        expect(await s.conversions.transition({ id: c.id, from: ['pending'], set: { status: 'declined' }, ledger: [entry(pub.id)] })).toBeNull()
        expect(await s.conversions.transition({ id: 'cnv_missing', from: ['pending'], set: { status: 'declined' }, ledger: [] })).toBeNull()
        expect((await s.ledger.balances(pub.id))[0]).toMatchObject({ pending: 0, approved: 100 })
      })
      it('refuses a transition whose ledger key is taken, and changes nothing', async () => {
        const adv = await account()
        const pub = await account(['publisher'])
        const key = id('taken')
        const c = (await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: pub.id }), [entry(pub.id, { key })])).conversion
        await expect(s.conversions.transition({ id: c.id, from: ['pending'], set: { status: 'declined' }, ledger: [entry(pub.id, { key, amount: -100 })] }))
          .rejects.toThrow(new UniqueViolation('ledger entry'))
        expect(await s.conversions.get(c.id)).toMatchObject({ status: 'pending' })
        expect(await s.ledger.listByAccount(pub.id)).toHaveLength(1)
        // The same for a new conversion whose ledger key is taken: neither is written.
        const twin = conversion(adv.id, { publisherId: pub.id })
        await expect(s.conversions.insertIfAbsent(twin, [entry(pub.id, { key })])).rejects.toBeInstanceOf(UniqueViolation)
        expect(await s.conversions.get(twin.id)).toBeNull()
      })
    })

    describe('ledger', () => {
      it('appends all entries or none, and derives balances per currency and bucket', async () => {
        const a = await account(['publisher'])
        expect(await s.ledger.balances(a.id)).toEqual([])
        const key = id('k')
        expect(await s.ledger.append([entry(a.id, { key, amount: 500 }), entry(a.id, { currency: 'USD', bucket: 'approved', amount: 70 })])).toBe(true)
        // One taken key: nothing of the batch is written.
        expect(await s.ledger.append([entry(a.id, { amount: 1_000_000 }), entry(a.id, { key, amount: 1 })])).toBe(false)
        // Two entries sharing a key in one call: nothing is written.
        const twin = id('twin')
        expect(await s.ledger.append([entry(a.id, { key: twin }), entry(a.id, { key: twin })])).toBe(false)
        expect(await s.ledger.balances(a.id)).toEqual([
          { currency: 'EUR', pending: 500, approved: 0, paid: 0, credit: 0 },
          { currency: 'USD', pending: 0, approved: 70, paid: 0, credit: 0 },
        ])
        expect(await s.ledger.append([
          entry(a.id, { bucket: 'pending', amount: -500, kind: 'approval' }), entry(a.id, { bucket: 'approved', amount: 500, kind: 'approval' }),
          entry(a.id, { bucket: 'approved', amount: -300, kind: 'reinvest' }), entry(a.id, { bucket: 'credit', amount: 300, kind: 'reinvest' }),
        ])).toBe(true)
        expect((await s.ledger.balances(a.id))[0]).toEqual({ currency: 'EUR', pending: 0, approved: 200, paid: 0, credit: 300 })
      })
      it('lists an account’s entries newest first, in the order they were appended', async () => {
        const a = await account(['publisher'])
        await s.ledger.append([entry(a.id, { memo: 'first' }), entry(a.id, { memo: 'second' })])
        await s.ledger.append([entry(a.id, { memo: 'third' })])
        const listed = await s.ledger.listByAccount(a.id)
        expect(listed.map((e) => e.memo)).toEqual(['third', 'second', 'first'])
        expect(listed[0]).toMatchObject({ accountId: a.id, bucket: 'pending', amount: 100, currency: 'EUR', kind: 'commission', conversionId: null, payoutId: null })
        expect(listed[0]!.id).toBeTruthy()
        expect(listed[0]!.createdAt).toBeInstanceOf(Date)
        expect(await s.ledger.listByAccount(a.id, 1)).toHaveLength(1)
      })
      it('keeps balances equal to the sum of entries under concurrent appends', async () => {
        const a = await account(['publisher'])
        const amounts = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? -i : i * 7))
        await Promise.all(amounts.map((amount) => s.ledger.append([entry(a.id, { amount })])))
        const entries = await s.ledger.listByAccount(a.id, 1000)
        expect(entries).toHaveLength(40)
        const sum = entries.reduce((total, e) => total + e.amount, 0)
        expect(sum).toBe(amounts.reduce((x, y) => x + y, 0))
        expect((await s.ledger.balances(a.id))[0]!.pending).toBe(sum)
      })
    })

    describe('ledger transfers', () => {
      it('moves money between buckets only when the source holds it, once per key', async () => {
        const a = await account(['publisher', 'advertiser'])
        await s.ledger.append([entry(a.id, { bucket: 'approved', amount: 1000 })])
        const transfer = (key: string, amount: number, to: 'credit' | 'paid' | null = 'credit') =>
          s.ledger.transfer({ accountId: a.id, currency: 'EUR', from: 'approved', to, amount, kind: 'reinvest', key, memo: null })
        expect(await transfer('t1', 400)).toBe('done')
        expect(await transfer('t1', 400)).toBe('duplicate')
        expect(await transfer('t2', 601)).toBe('insufficient')
        expect(await transfer('t3', 100, null)).toBe('done')
        expect((await s.ledger.balances(a.id))[0]).toEqual({ currency: 'EUR', pending: 0, approved: 500, paid: 0, credit: 400 })
        // All that is there may be moved, and the entries carry the transfer's references.
        expect(await s.ledger.transfer({ accountId: a.id, currency: 'EUR', from: 'approved', to: 'paid', amount: 500, kind: 'payout', key: 'all', memo: 'June', payoutId: 'pay_1', conversionId: 'cnv_1' })).toBe('done')
        expect((await s.ledger.balances(a.id))[0]).toEqual({ currency: 'EUR', pending: 0, approved: 0, paid: 500, credit: 400 })
        expect((await s.ledger.listByAccount(a.id)).filter((e) => e.key.startsWith('all:')).map((e) => [e.key, e.bucket, e.amount, e.payoutId, e.conversionId, e.memo, e.kind]).sort())
          .toEqual([['all:approved', 'approved', -500, 'pay_1', 'cnv_1', 'June', 'payout'], ['all:paid', 'paid', 500, 'pay_1', 'cnv_1', 'June', 'payout']])
        expect(await s.ledger.transfer({ accountId: a.id, currency: 'USD', from: 'approved', to: 'paid', amount: 1, kind: 'payout', key: 'usd', memo: null })).toBe('insufficient')
      })
      it('never overdraws under concurrent transfers', async () => {
        const a = await account(['publisher'])
        await s.ledger.append([entry(a.id, { bucket: 'approved', amount: 1000 })])
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
          s.ledger.transfer({ accountId: a.id, currency: 'EUR', from: 'approved', to: 'paid', amount: 300, kind: 'payout', key: id(`p${i}`), memo: null })))
        expect(results.filter((r) => r === 'done')).toHaveLength(3)
        expect((await s.ledger.balances(a.id))[0]).toMatchObject({ approved: 100, paid: 900 })
      })
    })

    describe('orders', () => {
      const order = (accountId: string, patch: Partial<NewOrder> = {}): NewOrder => ({
        id: id('ord'), accountId, externalId: id('ext'), customerId: 'cust-1', email: 'Bob@Example.com', name: 'Bob',
        total: 4990, currency: 'EUR', status: 'initialized', items: [{ sku: 'mug', name: 'Mug', quantity: 2, price: 2495 }],
        orderedAt: new Date(Date.now() - 1000), ...patch,
      })
      it('creates once per (account, external id) and updates the same order later', async () => {
        const a = await account(['publisher'])
        const o = order(a.id)
        const first = await s.orders.upsert(o)
        expect(first.created).toBe(true)
        expect(first.order).toMatchObject({ id: o.id, email: 'bob@example.com', items: o.items, status: 'initialized' })
        expect(await s.orders.get(o.id)).toEqual(first.order)
        expect(await s.orders.getByExternalId(a.id, o.externalId)).toEqual(first.order)
        const update = await s.orders.upsert({ ...o, id: id('ord'), status: 'cancelled' })
        expect(update.created).toBe(false)
        expect(update.order).toMatchObject({ id: o.id, status: 'cancelled' })
        expect(update.order.updatedAt.getTime()).toBeGreaterThanOrEqual(first.order.updatedAt.getTime())
        const other = await account(['publisher'])
        expect((await s.orders.upsert({ ...o, id: id('ord'), accountId: other.id })).created).toBe(true)
      })
      it('creates one order when the same notification races', async () => {
        const a = await account(['publisher'])
        const o = order(a.id)
        const results = await Promise.all(Array.from({ length: 10 }, () => s.orders.upsert({ ...o, id: id('ord') })))
        expect(results.filter((r) => r.created)).toHaveLength(1)
        expect(new Set(results.map((r) => r.order.id)).size).toBe(1)
      })
      it('lists newest first by order time, with a period, and forgets buyers after retention', async () => {
        const a = await account(['publisher'])
        const old = (await s.orders.upsert(order(a.id, { orderedAt: new Date(Date.now() - 86_400_000) }))).order
        await clockPasses(old.createdAt)
        const recent = (await s.orders.upsert(order(a.id))).order
        expect((await s.orders.list({ accountId: a.id })).map((o) => o.id)).toEqual([recent.id, old.id])
        expect((await s.orders.list({ accountId: a.id, from: new Date(Date.now() - 3600_000) })).map((o) => o.id)).toEqual([recent.id])
        expect(await s.orders.list({ accountId: a.id, limit: 1 })).toHaveLength(1)
        // A cutoff between the two orders' arrival: only the earlier one is forgotten, whatever its order date.
        const cutoff = new Date(old.createdAt.getTime() + 1)
        expect(recent.createdAt.getTime()).toBeGreaterThan(cutoff.getTime())
        expect(await s.orders.forgetBefore(cutoff)).toBeGreaterThanOrEqual(1)
        expect(await s.orders.get(old.id)).toMatchObject({ email: null, name: null, total: 4990, customerId: 'cust-1', items: old.items })
        expect(await s.orders.get(recent.id)).toMatchObject({ email: 'bob@example.com', name: 'Bob' })
        expect(await s.orders.forgetBefore(cutoff)).toBe(0)
        expect(await s.orders.forgetBefore(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1)
        expect(await s.orders.get(recent.id)).toMatchObject({ email: null, name: null, total: 4990 })
      })
    })

    describe('messages, outbox and suppressions', () => {
      const message = (accountId: string, patch: Partial<NewMessage> = {}): NewMessage => ({
        id: id('msg'), accountId, orderId: id('ord'), channel: 'email', recipient: 'Bob@Example.com', subject: 'Thanks',
        tags: ['offer-email'], campaignIds: ['cmp_a', 'cmp_b'], status: 'queued', ...patch,
      })
      it('keeps one message per (account, order), also under concurrent inserts', async () => {
        const a = await account(['publisher'])
        const m = message(a.id)
        const results = await Promise.all(Array.from({ length: 10 }, () => s.messages.insertIfAbsent({ ...m, id: id('msg') })))
        expect(results.filter((r) => r.created)).toHaveLength(1)
        const stored = results.find((r) => r.created)!.message
        expect(stored).toMatchObject({ recipient: 'bob@example.com', attempts: 0, leaseUntil: null, providerId: null, sentAt: null, tags: ['offer-email'], campaignIds: ['cmp_a', 'cmp_b'] })
        expect(await s.messages.get(stored.id)).toEqual(stored)
        // The losers are told of the message that stands.
        for (const r of results.filter((x) => !x.created)) expect(r.message).toEqual(stored)
        // A message may have no recipient (forgotten, or a channel without one).
        expect((await s.messages.insertIfAbsent(message(a.id, { recipient: null }))).message.recipient).toBeNull()
        // Messages without an order are not deduplicated.
        expect((await s.messages.insertIfAbsent(message(a.id, { orderId: null }))).created).toBe(true)
        expect((await s.messages.insertIfAbsent(message(a.id, { orderId: null }))).created).toBe(true)
      })
      it('lets exactly one sender claim a queued message, and updates only from allowed states', async () => {
        const a = await account(['publisher'])
        const { message: m } = await s.messages.insertIfAbsent(message(a.id))
        const lease = new Date(Date.now() + 60_000)
        const claims = await Promise.all(Array.from({ length: 5 }, () => s.messages.claim(m.id, lease)))
        const won = claims.filter(Boolean)
        expect(won).toHaveLength(1)
        expect(won[0]).toMatchObject({ status: 'sending', attempts: 1, leaseUntil: lease })
        expect(await s.messages.update(m.id, ['queued'], { status: 'sent' })).toBeNull()
        const sentAt = new Date()
        expect(await s.messages.update(m.id, ['sending'], { status: 'sent', providerId: '<id@mg>', sentAt, leaseUntil: null }))
          .toMatchObject({ status: 'sent', providerId: '<id@mg>', sentAt, leaseUntil: null })
        // A field given as undefined is left as it is; tags and campaigns may be set.
        expect(await s.messages.update(m.id, ['sent'], { providerId: undefined, tags: ['offer-email', 'resent'], campaignIds: ['cmp_c'] }))
          .toMatchObject({ status: 'sent', providerId: '<id@mg>', tags: ['offer-email', 'resent'], campaignIds: ['cmp_c'] })
        expect(await s.messages.claim(m.id, lease)).toBeNull()
      })
      it('finds sends whose lease expired, lists by account and forgets recipients', async () => {
        const a = await account(['publisher'])
        const { message: m } = await s.messages.insertIfAbsent(message(a.id))
        await s.messages.claim(m.id, new Date(Date.now() - 1000))
        expect((await s.messages.listExpiredLeases(new Date())).map((x) => x.id)).toContain(m.id)
        await clockPasses(m.createdAt)
        const { message: later } = await s.messages.insertIfAbsent(message(a.id))
        expect((await s.messages.listByAccount(a.id)).map((x) => x.id)).toEqual([later.id, m.id])
        // A cutoff between the two messages: only the earlier one loses its recipient.
        const cutoff = new Date(m.createdAt.getTime() + 1)
        expect(later.createdAt.getTime()).toBeGreaterThan(cutoff.getTime())
        expect(await s.messages.forgetBefore(cutoff)).toBeGreaterThanOrEqual(1)
        expect(await s.messages.get(m.id)).toMatchObject({ recipient: null, status: 'sending', campaignIds: ['cmp_a', 'cmp_b'] })
        expect((await s.messages.get(later.id))!.recipient).toBe('bob@example.com')
        expect(await s.messages.forgetBefore(cutoff)).toBe(0)
        expect(await s.messages.forgetBefore(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1)
        expect((await s.messages.get(later.id))!.recipient).toBeNull()
      })
      it('keeps emails in the outbox, newest first', async () => {
        const first = await s.outbox.add({ id: id('out'), messageId: 'msg_1', from: '"Shop" <offers@x.example>', to: 'bob@example.com', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi', headers: { 'Reply-To': 'shop@example.com' } })
        const second = await s.outbox.add({ id: id('out'), messageId: null, from: 'a@x.example', to: 'c@example.com', subject: 'Two', html: '', text: '', headers: {} })
        expect(await s.outbox.get(first.id)).toEqual(first)
        expect(first.messageId).toBe('msg_1')
        expect((await s.outbox.get(second.id))!.messageId).toBeNull()
        const listed = (await s.outbox.list(100)).map((e) => e.id)
        expect(listed.indexOf(second.id)).toBeLessThan(listed.indexOf(first.id))
      })
      it('remembers suppressed addresses by hash, idempotently', async () => {
        const hash = id('h')
        expect(await s.suppressions.has(hash)).toBe(false)
        await s.suppressions.add(hash)
        await s.suppressions.add(hash)
        expect(await s.suppressions.has(hash)).toBe(true)
      })
    })

    describe('request log', () => {
      it('appends a batch, lists by advertiser with filters newest first, and purges old entries', async () => {
        const adv = id('adv')
        const now = Date.now()
        const log = (i: number, patch: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
          id: id('req'), at: new Date(now - (10 - i) * 1000), kind: 'pixel', outcome: 'accepted', reason: 'attributed',
          advertiserId: adv, trackingCodeId: 'tc_1', linkId: null, conversionId: null, clickId: null,
          params: { amount: '19.95', id: String(i) }, ipHash: 'h', userAgent: 'UA', ...patch,
        })
        const entries = [log(0, { at: new Date(now - 10 * 86_400_000) }), log(1), log(2, { outcome: 'rejected', reason: 'bad_amount' }), log(3, { trackingCodeId: 'tc_2' }), log(4, { advertiserId: 'someone-else' })]
        await s.requestLog.append(entries)
        await s.requestLog.append([])
        const mine = await s.requestLog.list({ advertiserId: adv })
        expect(mine.map((e) => e.params.id)).toEqual(['3', '2', '1', '0'])
        expect(mine[1]).toEqual(entries[2])
        expect((await s.requestLog.list({ advertiserId: adv, outcome: 'rejected' })).map((e) => e.reason)).toEqual(['bad_amount'])
        expect((await s.requestLog.list({ advertiserId: adv, reason: 'bad_amount' }))).toHaveLength(1)
        expect((await s.requestLog.list({ advertiserId: adv, trackingCodeId: 'tc_2' })).map((e) => e.params.id)).toEqual(['3'])
        expect((await s.requestLog.list({ advertiserId: adv, from: new Date(now - 8_500), to: new Date(now - 7_500) })).map((e) => e.params.id)).toEqual(['2'])
        expect(await s.requestLog.list({ advertiserId: adv, limit: 2 })).toHaveLength(2)
        expect(await s.requestLog.purgeBefore(new Date(now - 86_400_000))).toBe(1)
        expect((await s.requestLog.list({ advertiserId: adv })).map((e) => e.params.id)).toEqual(['3', '2', '1'])
      })
      it('appends a replayed entry once, storing the others of its batch', async () => {
        const adv = id('adv')
        const entry = (n: string): RequestLogEntry => ({
          id: id('req'), at: new Date(), kind: 'click', outcome: 'accepted', reason: 'recorded', advertiserId: adv, trackingCodeId: null,
          linkId: null, conversionId: null, clickId: null, params: { n }, ipHash: null, userAgent: null,
        })
        const first = entry('1')
        await s.requestLog.append([first])
        await s.requestLog.append([first, entry('2'), { ...first }])
        expect((await s.requestLog.list({ advertiserId: adv })).map((e) => e.params.n).sort()).toEqual(['1', '2'])
      })
    })

    describe('portal: sessions', () => {
      const session = (accountId: string, expiresAt: Date) =>
        s.sessions.create({ id: id('ses'), accountId, csrfToken: id('csrf'), expiresAt })
      it('reads a session until it expires, extends it, and ends one or all of an account', async () => {
        const a = await account(['publisher'])
        const b = await account(['publisher'])
        const soon = new Date(Date.now() + 60_000)
        const first = await session(a.id, soon)
        expect(first).toMatchObject({ accountId: a.id, expiresAt: soon })
        expect(first.createdAt).toBeInstanceOf(Date)
        expect(await s.sessions.get(first.id)).toEqual(first)
        expect(await s.sessions.get(first.id, new Date(soon.getTime() + 1))).toBeNull()
        const later = new Date(Date.now() + 3_600_000)
        expect(await s.sessions.touch(first.id, later)).toBe(true)
        expect(await s.sessions.get(first.id, new Date(soon.getTime() + 1))).toMatchObject({ expiresAt: later })
        expect(await s.sessions.remove(first.id)).toBe(true)
        expect(await s.sessions.remove(first.id)).toBe(false)
        expect(await s.sessions.get(first.id)).toBeNull()
        expect(await s.sessions.touch(first.id, later)).toBe(false)
        await session(a.id, later)
        await session(a.id, later)
        const others = await session(b.id, later)
        expect(await s.sessions.removeByAccount(a.id)).toBe(2)
        expect(await s.sessions.get(others.id)).toEqual(others)
      })
      it('never extends an expired session, and purges expired ones', async () => {
        const a = await account(['advertiser'])
        const expired = await session(a.id, new Date(Date.now() - 1000))
        const live = await session(a.id, new Date(Date.now() + 60_000))
        expect(await s.sessions.get(expired.id)).toBeNull()
        expect(await s.sessions.touch(expired.id, new Date(Date.now() + 60_000))).toBe(false)
        expect(await s.sessions.purgeExpired(new Date())).toBeGreaterThanOrEqual(1)
        expect(await s.sessions.remove(expired.id)).toBe(false)
        expect(await s.sessions.get(live.id)).toEqual(live)
      })
    })

    describe('rate limits', () => {
      it('counts concurrent hits exactly, in one window per key', async () => {
        const key = id('rl')
        const now = new Date()
        const windows = await Promise.all(Array.from({ length: 25 }, () => s.rateLimits.hit(key, 60_000, now)))
        // Every hit saw a different count: none was lost or counted twice.
        expect(windows.map((w) => w.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
        expect(new Set(windows.map((w) => w.resetAt.getTime()))).toEqual(new Set([now.getTime() + 60_000]))
        expect(await s.rateLimits.get(key, now)).toEqual({ count: 25, resetAt: new Date(now.getTime() + 60_000) })
      })
      it('opens a new window once the old one ended, and keeps keys apart', async () => {
        const [a, b] = [id('rl'), id('rl')]
        const t0 = new Date(Date.now() - 10_000)
        await s.rateLimits.hit(a, 1_000, t0)
        expect(await s.rateLimits.hit(a, 1_000, new Date(t0.getTime() + 999))).toEqual({ count: 2, resetAt: new Date(t0.getTime() + 1_000) })
        expect(await s.rateLimits.get(a, new Date(t0.getTime() + 999))).toMatchObject({ count: 2 })
        expect(await s.rateLimits.get(a, new Date(t0.getTime() + 1_000))).toBeNull()
        const t1 = new Date(t0.getTime() + 1_500)
        expect(await s.rateLimits.hit(a, 1_000, t1)).toEqual({ count: 1, resetAt: new Date(t1.getTime() + 1_000) })
        expect(await s.rateLimits.get(b, t1)).toBeNull()
        expect(await s.rateLimits.hit(b, 1_000, t1)).toMatchObject({ count: 1 })
        expect(await s.rateLimits.get(a, t1)).toMatchObject({ count: 1 })
      })
      it('clears a key, and purges ended windows only', async () => {
        const [a, ended, open] = [id('rl'), id('rl'), id('rl')]
        await s.rateLimits.hit(a, 60_000)
        await s.rateLimits.hit(a, 60_000)
        expect(await s.rateLimits.clear(a)).toBe(true)
        expect(await s.rateLimits.clear(a)).toBe(false)
        expect(await s.rateLimits.get(a)).toBeNull()
        expect(await s.rateLimits.hit(a, 60_000)).toMatchObject({ count: 1 })
        const past = Date.now() - 60_000
        await s.rateLimits.hit(ended, 1_000, new Date(past))
        await s.rateLimits.hit(open, 60_000)
        expect(await s.rateLimits.purge(new Date())).toBeGreaterThanOrEqual(1)
        // Purged: its next hit opens a fresh window even at the old time.
        expect(await s.rateLimits.hit(ended, 1_000, new Date(past + 500))).toMatchObject({ count: 1 })
        expect(await s.rateLimits.get(open)).toMatchObject({ count: 1 })
      })
    })

    describe('portal: payouts', () => {
      const batchOf = (createdBy: string, period = id('period')) => ({ id: id('pb'), period, createdBy })
      const payout = (accountId: string, amount: number, currency = 'EUR') => ({ id: id('po'), accountId, amount, currency })
      it('writes a batch with its payouts, one batch per period, all or nothing', async () => {
        const admin = await account(['admin'])
        const p1 = await account(['publisher'])
        const p2 = await account(['publisher'])
        const period = id('2025-01')
        const { batch, payouts } = await s.payouts.createBatch(batchOf(admin.id, period), [payout(p1.id, 5000), payout(p2.id, 7000, 'USD')])
        expect(batch).toMatchObject({ period, status: 'scheduled', createdBy: admin.id, paidAt: null })
        expect(batch.createdAt).toBeInstanceOf(Date)
        expect(payouts).toMatchObject([
          { batchId: batch.id, accountId: p1.id, amount: 5000, currency: 'EUR', status: 'scheduled', note: null, paidAt: null },
          { batchId: batch.id, accountId: p2.id, amount: 7000, currency: 'USD', status: 'scheduled', note: null, paidAt: null },
        ])
        expect(await s.payouts.getBatch(batch.id)).toEqual(batch)
        expect(await s.payouts.listByBatch(batch.id)).toEqual(payouts)
        expect(await s.payouts.get(payouts[0]!.id)).toEqual(payouts[0])
        expect(await s.payouts.get('po_missing')).toBeNull()
        expect(await s.payouts.getBatch('pb_missing')).toBeNull()
        // A second batch for the period is refused, and none of its payouts is written.
        const twin = payout(p1.id, 1)
        await expect(s.payouts.createBatch(batchOf(admin.id, period), [twin])).rejects.toBeInstanceOf(UniqueViolation)
        expect(await s.payouts.get(twin.id)).toBeNull()
        // Two payouts for one account and currency in a batch: neither the batch nor its payouts are written.
        const broken = batchOf(admin.id)
        await expect(s.payouts.createBatch(broken, [payout(p1.id, 1), payout(p1.id, 2)])).rejects.toBeInstanceOf(UniqueViolation)
        expect(await s.payouts.getBatch(broken.id)).toBeNull()
        const empty = await s.payouts.createBatch(batchOf(admin.id), [])
        expect(empty.payouts).toEqual([])
        const listed = (await s.payouts.listBatches()).map((b) => b.id)
        expect(listed.indexOf(empty.batch.id)).toBeLessThan(listed.indexOf(batch.id))
        expect(await s.payouts.listBatches(1)).toHaveLength(1)
      })
      it('changes payouts and batches only from allowed states, and lists an account\'s payouts newest first', async () => {
        const admin = await account(['admin'])
        const p = await account(['publisher'])
        const first = await s.payouts.createBatch(batchOf(admin.id), [payout(p.id, 5000)])
        const second = await s.payouts.createBatch(batchOf(admin.id), [payout(p.id, 6000)])
        const paidAt = new Date()
        const id1 = first.payouts[0]!.id
        const tries = await Promise.all([1, 2, 3].map(() => s.payouts.update(id1, ['scheduled'], { status: 'paid', paidAt })))
        expect(tries.filter(Boolean)).toHaveLength(1)
        expect(tries.find(Boolean)).toMatchObject({ status: 'paid', paidAt, note: null })
        expect(await s.payouts.update(id1, ['scheduled'], { status: 'failed', note: 'late' })).toBeNull()
        expect(await s.payouts.update(second.payouts[0]!.id, ['scheduled'], { status: 'failed', note: 'balance too low' }))
          .toMatchObject({ status: 'failed', note: 'balance too low', paidAt: null })
        expect((await s.payouts.listByAccount(p.id)).map((x) => x.id)).toEqual([second.payouts[0]!.id, id1])
        expect(await s.payouts.listByAccount(p.id, 1)).toHaveLength(1)
        expect(await s.payouts.setBatchStatus(first.batch.id, ['scheduled'], 'paid', paidAt)).toMatchObject({ status: 'paid', paidAt })
        expect(await s.payouts.setBatchStatus(first.batch.id, ['scheduled'], 'paid', paidAt)).toBeNull()
        expect(await s.payouts.setBatchStatus('pb_missing', ['scheduled'], 'paid', paidAt)).toBeNull()
      })
      it('sums approved balances per account and currency with what scheduled payouts hold of them', async () => {
        const admin = await account(['admin'])
        const p = await account(['publisher'])
        const mine = async () => (await s.payouts.payable()).filter((r) => r.accountId === p.id)
        await s.ledger.append([
          entry(p.id, { bucket: 'approved', amount: 9000 }), entry(p.id, { bucket: 'pending', amount: 500 }),
          entry(p.id, { bucket: 'approved', currency: 'USD', amount: 100 }), entry(p.id, { bucket: 'approved', currency: 'USD', amount: -100 }),
        ])
        expect(await mine()).toEqual([{ accountId: p.id, currency: 'EUR', approved: 9000, scheduled: 0 }])
        const { payouts } = await s.payouts.createBatch(batchOf(admin.id), [payout(p.id, 6000)])
        await s.payouts.createBatch(batchOf(admin.id), [payout(p.id, 1000)])
        expect(await mine()).toEqual([{ accountId: p.id, currency: 'EUR', approved: 9000, scheduled: 7000 }])
        await s.payouts.update(payouts[0]!.id, ['scheduled'], { status: 'failed', note: 'x' })
        expect(await mine()).toEqual([{ accountId: p.id, currency: 'EUR', approved: 9000, scheduled: 1000 }])
      })
    })

    describe('portal: stats', () => {
      const hour = 3_600_000
      const sorted = <T extends { key: string | null }>(rows: T[]) =>
        [...rows].sort((a, b) => Number(a.key === null) - Number(b.key === null) || (a.key ?? '').localeCompare(b.key ?? ''))
      it('counts a publisher\'s clicks and unique clicks per campaign and per sub-id in a period', async () => {
        const pub = id('pub')
        const now = Date.now()
        const click = (campaignId: string, subIds: (string | null)[], patch: Partial<Click> = {}): Click => ({
          id: id('clk'), linkId: 'lnk', campaignId, advertiserId: 'adv', publisherId: pub, createdAt: new Date(now - hour),
          subIds: [...subIds, null, null, null, null, null].slice(0, 5), userAgent: 'UA', referrer: null, ipHash: null,
          visitorKey: id('v'), bot: false, duplicate: false, landingUrl: 'https://shop.example/', ...patch,
        })
        await s.clicks.insertMany([
          click('cmp_a', ['fb', 'x']), click('cmp_a', ['fb'], { duplicate: true }), click('cmp_a', ['ig'], { bot: true }), click('cmp_b', []),
          click('cmp_a', ['fb'], { createdAt: new Date(now - 50 * hour) }), click('cmp_a', ['fb'], { publisherId: id('other') }),
        ])
        const q = { publisherId: pub, from: new Date(now - 2 * hour), to: new Date(now) }
        expect(sorted(await s.stats.traffic({ ...q, by: 'campaign' }))).toEqual([
          { key: 'cmp_a', clicks: 3, uniqueClicks: 1 }, { key: 'cmp_b', clicks: 1, uniqueClicks: 1 },
        ])
        expect(sorted(await s.stats.traffic({ ...q, by: 'sub1' }))).toEqual([
          { key: 'fb', clicks: 2, uniqueClicks: 1 }, { key: 'ig', clicks: 1, uniqueClicks: 0 }, { key: null, clicks: 1, uniqueClicks: 1 },
        ])
        expect(sorted(await s.stats.traffic({ ...q, by: 'sub2' }))).toEqual([
          { key: 'x', clicks: 1, uniqueClicks: 1 }, { key: null, clicks: 3, uniqueClicks: 1 },
        ])
        expect(await s.stats.traffic({ ...q, by: 'campaign', from: new Date(now - 60 * hour), to: new Date(now - 40 * hour) }))
          .toEqual([{ key: 'cmp_a', clicks: 1, uniqueClicks: 1 }])
        expect(await s.stats.traffic({ ...q, by: 'campaign', from: new Date(now), to: new Date(now + hour) })).toEqual([])
      })
      it('sums conversions and owed commission per campaign and per sub-id of the converting click, without declined ones', async () => {
        const adv = await account()
        const pub = await account(['publisher'])
        const click = (subIds: (string | null)[]): Click => ({
          id: id('clk'), linkId: 'lnk', campaignId: 'cmp_a', advertiserId: adv.id, publisherId: pub.id, createdAt: new Date(),
          subIds: [...subIds, null, null, null, null, null].slice(0, 5), userAgent: 'UA', referrer: null, ipHash: null,
          visitorKey: id('v'), bot: false, duplicate: false, landingUrl: 'https://shop.example/',
        })
        const [fb, ig] = [click(['fb']), click(['ig'])]
        await s.clicks.insertMany([fb, ig])
        const record = (patch: Partial<NewConversion>) => s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: pub.id, campaignId: 'cmp_a', ...patch }), [])
        await record({ clickId: fb.id, commission: 200 })
        await record({ clickId: fb.id, commission: 300, reversedCommission: 100, status: 'approved' })
        await record({ clickId: ig.id, commission: 999, status: 'declined' })
        await record({ campaignId: 'cmp_b', clickId: null, commission: 50, reversedCommission: 50, commissionCurrency: 'USD', status: 'reversed' })
        await s.conversions.insertIfAbsent(conversion(adv.id, { publisherId: id('other'), campaignId: 'cmp_a', commission: 7 }), [])
        const q = { publisherId: pub.id, from: new Date(Date.now() - hour), to: new Date(Date.now() + hour) }
        expect(sorted(await s.stats.conversions({ ...q, by: 'campaign' }))).toEqual([
          { key: 'cmp_a', currency: 'EUR', conversions: 2, commission: 400 }, { key: 'cmp_b', currency: 'USD', conversions: 0, commission: 0 },
        ])
        expect(sorted(await s.stats.conversions({ ...q, by: 'sub1' }))).toEqual([
          { key: 'fb', currency: 'EUR', conversions: 2, commission: 400 }, { key: null, currency: 'USD', conversions: 0, commission: 0 },
        ])
        expect(await s.stats.conversions({ ...q, by: 'campaign', from: new Date(Date.now() + hour), to: new Date(Date.now() + 2 * hour) })).toEqual([])
      })
      it('derives net earnings per UTC day from the ledger: commissions less reversals and declines', async () => {
        const a = await account(['publisher'])
        await s.ledger.append([
          entry(a.id, { kind: 'commission', amount: 500 }), entry(a.id, { kind: 'reversal', amount: -100 }), entry(a.id, { kind: 'decline', amount: -50 }),
          entry(a.id, { kind: 'approval', amount: -350 }), entry(a.id, { kind: 'approval', bucket: 'approved', amount: 350 }),
          entry(a.id, { kind: 'payout', bucket: 'approved', amount: -350 }), entry(a.id, { kind: 'payout', bucket: 'paid', amount: 350 }),
          entry(a.id, { kind: 'commission', currency: 'USD', amount: 70 }),
        ])
        const day = (await s.ledger.listByAccount(a.id, 1))[0]!.createdAt.toISOString().slice(0, 10)
        const range = [new Date(Date.now() - 86_400_000), new Date(Date.now() + 60_000)] as const
        expect(await s.stats.earningsByDay(a.id, ...range)).toEqual([{ day, currency: 'EUR', amount: 350 }, { day, currency: 'USD', amount: 70 }])
        expect(await s.stats.earningsByDay(a.id, new Date(Date.now() + 60_000), new Date(Date.now() + 120_000))).toEqual([])
      })
    })

    revenueContract(() => s)

    describe('agenda backend', () => {
      it('gives Agenda a backend on this store: jobs saved by one Agenda run once each, with their data, across two workers', async () => {
        const name = id('contract-probe')
        const runs: { n: number; worker: string }[] = []
        const workers = ['w1', 'w2'].map((worker) => {
          const agenda = new Agenda({ backend: s.agendaBackend(), processEvery: 50, name: worker })
          agenda.define<{ n: number }>(name, async (job) => { runs.push({ n: job.attrs.data.n, worker }) })
          return agenda
        })
        await Promise.all(workers.map((w) => w.start()))
        try {
          // A third Agenda that is never started only writes: the jobs live in the store, not in a process.
          const client = new Agenda({ backend: s.agendaBackend() })
          await client.ready
          const jobs = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => client.now(name, { n })))
          expect(new Set(jobs.map((j) => String(j.attrs._id))).size).toBe(6)
          // The deterministic point: the store records every job as finished, with nothing left to run.
          const end = Date.now() + 15_000
          let stored = (await client.queryJobs({ name })).jobs
          while (stored.length !== 6 || stored.some((j) => !j.lastFinishedAt)) {
            if (Date.now() > end) throw new Error(`jobs not finished: ${JSON.stringify(stored.map((j) => j.lastFinishedAt ?? null))}`)
            await new Promise((resolve) => setTimeout(resolve, 20))
            stored = (await client.queryJobs({ name })).jobs
          }
          expect(stored.every((j) => !j.nextRunAt && !j.failedAt && !j.lockedAt)).toBe(true)
          expect(stored.map((j) => (j.data as { n: number }).n).sort()).toEqual([1, 2, 3, 4, 5, 6])
          expect(runs.map((r) => r.n).sort()).toEqual([1, 2, 3, 4, 5, 6])
        } finally {
          // The store's connection is shared: stopping Agenda must not close it.
          await Promise.all(workers.map((w) => w.stop()))
        }
        expect(await s.ping()).toBe(true)
      })
    })
  })
}
