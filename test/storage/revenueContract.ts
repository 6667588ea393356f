// The storage contract's revenue section (F7): message events, webhook tokens, revenue settings and the
// attribution rule with its reports. Called from storageContract for every driver.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import type { Channel, ChannelRules, Click, Message, NewConversion, NewOrder, Order, RevenueQuery, Storage } from '../../server/src/storage/types.js'

const id = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`
const T0 = Date.parse('2025-03-01T10:00:00Z')
const at = (hours: number) => new Date(T0 + hours * 3_600_000)
const clicked24h: ChannelRules = { email: { event: 'clicked', window: 24, unit: 'hours' }, sms: { event: 'clicked', window: 24, unit: 'hours' } }

export function revenueContract(store: () => Storage) {
  describe('revenue: message events, webhook tokens, settings', () => {
    it('records message events once per provider event id, also when retried concurrently, and lists them oldest first', async () => {
      const s = store()
      const messageId = id('msg')
      const providerEventId = `mailgun:${id('ev')}`
      const results = await Promise.all(Array.from({ length: 8 }, () => s.messageEvents.record({ messageId, type: 'opened', at: at(2), providerEventId })))
      expect(results.filter((r) => r.created)).toHaveLength(1)
      expect(results.every((r) => r.event.providerEventId === providerEventId && r.event.at.getTime() === at(2).getTime())).toBe(true)
      // Without a provider id nothing is deduplicated (the network's own events).
      await s.messageEvents.record({ messageId, type: 'delivered', at: at(1), providerEventId: null })
      await s.messageEvents.record({ messageId, type: 'delivered', at: at(1), providerEventId: null })
      const events = await s.messageEvents.listByMessage(messageId)
      expect(events.map((e) => e.type)).toEqual(['delivered', 'delivered', 'opened'])
      expect(events[2]).toMatchObject({ messageId, type: 'opened', providerEventId })
      expect(events[2]!.createdAt).toBeInstanceOf(Date)
      expect(await s.messageEvents.listByMessage('msg_none')).toEqual([])
    })

    it('finds a message by its provider id, with or without angle brackets', async () => {
      const s = store()
      const { message } = await s.messages.insertIfAbsent({
        id: id('msg'), accountId: id('shop'), orderId: id('ord'), channel: 'email', recipient: 'x@example.com', subject: 's', tags: [], campaignIds: [], status: 'queued',
      })
      const bare = `${id('p')}@mg.example.com`
      await s.messages.update(message.id, ['queued'], { status: 'sent', providerId: `<${bare}>`, sentAt: at(0) })
      expect((await s.messageEvents.findMessage(bare))?.id).toBe(message.id)
      expect((await s.messageEvents.findMessage(`<${bare}>`))?.id).toBe(message.id)
      expect(await s.messageEvents.findMessage('nothing@mg.example.com')).toBeNull()
    })

    it('lets a webhook token be used once, also under concurrent use, and purges old ones', async () => {
      const s = store()
      const token = id('tok')
      const uses = await Promise.all(Array.from({ length: 6 }, () => s.webhookTokens.use(token, new Date())))
      expect(uses.filter(Boolean)).toHaveLength(1)
      expect(await s.webhookTokens.use(token, new Date())).toBe(false)
      const old = id('tok')
      expect(await s.webhookTokens.use(old, new Date(Date.now() - 7_200_000))).toBe(true)
      expect(await s.webhookTokens.purgeBefore(new Date(Date.now() - 3_600_000))).toBeGreaterThanOrEqual(1)
      expect(await s.webhookTokens.use(old, new Date())).toBe(true)
      expect(await s.webhookTokens.use(token, new Date())).toBe(false)
    })

    it('keeps settings per account, version 1 first and + 1 at every change of the rules', async () => {
      const s = store()
      const accountId = id('acc')
      expect(await s.revenueSettings.get(accountId)).toBeNull()
      const first = await s.revenueSettings.put({ accountId, channels: clicked24h, currency: 'EUR', excludedTags: ['password-reset'] })
      expect(first).toMatchObject({ accountId, channels: clicked24h, currency: 'EUR', excludedTags: ['password-reset'], version: 1 })
      expect(first.updatedAt).toBeInstanceOf(Date)
      const rules: ChannelRules = { ...clicked24h, email: { event: 'opened', window: 3, unit: 'days' } }
      const second = await s.revenueSettings.put({ accountId, channels: rules, currency: 'USD', excludedTags: [] })
      expect(second).toMatchObject({ channels: rules, currency: 'USD', excludedTags: [], version: 2 })
      expect(await s.revenueSettings.get(accountId)).toEqual(second)
      // Currency and tags apply when reporting: the attributions stay valid, the version stays.
      const third = await s.revenueSettings.put({ accountId, channels: { sms: rules.sms, email: { unit: 'days', window: 3, event: 'opened' } }, currency: 'EUR', excludedTags: ['x'] })
      expect(third).toMatchObject({ currency: 'EUR', excludedTags: ['x'], version: 2 })
      expect(await s.revenueSettings.get(id('acc'))).toBeNull()
    })

    it('keeps the stored order time on an update that asks to (a status update without a date)', async () => {
      const s = store()
      const accountId = id('acc')
      const o: NewOrder = {
        id: id('ord'), accountId, externalId: id('ext'), customerId: null, email: 'kate@example.com', name: null, total: 1000, currency: 'EUR',
        status: 'initialized', items: [], orderedAt: at(0),
      }
      expect((await s.orders.upsert(o, { keepOrderedAt: true })).order.orderedAt).toEqual(at(0))
      const kept = await s.orders.upsert({ ...o, id: id('ord'), status: 'delivered', orderedAt: at(50) }, { keepOrderedAt: true })
      expect(kept.order).toMatchObject({ status: 'delivered', orderedAt: at(0) })
      const moved = await s.orders.upsert({ ...o, id: id('ord'), orderedAt: at(50) })
      expect(moved.order.orderedAt).toEqual(at(50))
    })
  })

  describe('revenue: attribution', () => {
    /** An advertiser with campaigns, a shop that sends, a buyer: a small world per test. */
    async function world() {
      const s = store()
      const account = async (roles: ('advertiser' | 'publisher')[]) =>
        (await s.accounts.create({ id: id('acc'), name: 'A', email: `${id('u')}@example.com`, roles, status: 'active', passwordHash: null })).id
      const [advertiser, other, shop] = [await account(['advertiser']), await account(['advertiser']), await account(['publisher'])]
      const campaign = async (advertiserId: string) => (await s.campaigns.create({
        id: id('cmp'), advertiserId, name: 'C', description: '', status: 'active', currency: 'EUR', landingUrls: ['https://a.example/'],
        cookieWindowDays: 30, holdDays: 0, attribution: 'last_click', saleRule: null, leadRule: null,
      })).id
      const [a1, a2, b1] = [await campaign(advertiser), await campaign(advertiser), await campaign(other)]
      const buyer = `${id('bob')}@Example.com`.toLowerCase()
      const send = async (sentAt: Date, campaignIds: string[], patch: Partial<Message> = {}): Promise<Message> => {
        const { message } = await s.messages.insertIfAbsent({
          id: patch.id ?? id('msg'), accountId: patch.accountId ?? shop, orderId: id('ord'), channel: patch.channel ?? 'email',
          recipient: patch.recipient === undefined ? buyer : patch.recipient, subject: 'Offers', tags: patch.tags ?? ['offer-email'], campaignIds, status: 'queued',
        })
        return (await s.messages.update(message.id, ['queued'], { status: 'sent', sentAt, providerId: `<${message.id}@mg>` }))!
      }
      const event = (message: Message, type: 'delivered' | 'opened' | 'clicked', when: Date) =>
        s.messageEvents.record({ messageId: message.id, type, at: when, providerEventId: null })
      const order = async (orderedAt: Date, patch: Partial<NewOrder> = {}): Promise<Order> => (await s.orders.upsert({
        id: id('ord'), accountId: advertiser, externalId: id('ext'), customerId: null, email: buyer, name: null, total: 5000, currency: 'EUR',
        status: 'delivered', items: [], orderedAt, ...patch,
      })).order
      const attributed = async (o: Order) => {
        await s.attributions.attribute({ orderIds: [o.id] }, clicked24h)
        return s.attributions.get(o.id)
      }
      return { s, advertiser, other, shop, a1, a2, b1, buyer, send, event, order, attributed }
    }

    it('gives a purchase to the last message sent whose linking event is within the window before it', async () => {
      const w = await world()
      const m1 = await w.send(at(0), [w.b1, w.a1])
      await w.event(m1, 'clicked', at(2))
      const m2 = await w.send(at(10), [w.a2, w.a1])
      await w.event(m2, 'clicked', at(11))
      // A later message that carries none of this advertiser's campaigns is not its message.
      const foreign = await w.send(at(12), [w.b1])
      await w.event(foreign, 'clicked', at(12.5))
      const o = await w.order(at(20))
      expect(await w.attributed(o)).toEqual({
        orderId: o.id, accountId: w.advertiser, orderedAt: at(20), total: 5000, currency: 'EUR', status: 'delivered',
        messageId: m2.id, messageAccountId: w.shop, campaignId: w.a2, channel: 'email', tags: ['offer-email'], linkedAt: at(11), settingsVersion: 0,
      })
      // The other advertiser's order goes to the message carrying its campaign.
      const theirs = await w.order(at(20), { accountId: w.other })
      expect(await w.attributed(theirs)).toMatchObject({ messageId: foreign.id, campaignId: w.b1 })
    })

    it('needs the linking event inside the window, both ends included, and never after the order', async () => {
      const w = await world()
      const m = await w.send(at(0), [w.a1])
      await w.event(m, 'clicked', at(1))
      expect(await w.attributed(await w.order(at(25)))).toMatchObject({ messageId: m.id, linkedAt: at(1) })
      expect(await w.attributed(await w.order(new Date(at(25).getTime() + 1)))).toMatchObject({ messageId: null, campaignId: null, linkedAt: null })
      // An order before the message, and an order before the click, belong to nothing.
      expect(await w.attributed(await w.order(at(-1)))).toMatchObject({ messageId: null })
      expect(await w.attributed(await w.order(at(0.5)))).toMatchObject({ messageId: null })
      expect(await w.attributed(await w.order(at(1)))).toMatchObject({ messageId: m.id })
    })

    it('uses each channel’s own event and window from the account’s settings, and the sentAt as the sent event', async () => {
      const w = await world()
      const mail = await w.send(at(0), [w.a1])
      await w.event(mail, 'opened', at(1))
      const sms = await w.send(at(5), [w.a1], { channel: 'sms' as Channel })
      await w.event(sms, 'delivered', at(5))
      const o = await w.order(at(30))
      // Defaults: clicks only — nothing clicked.
      expect(await w.attributed(o)).toMatchObject({ messageId: null, settingsVersion: 0 })
      const settings = await w.s.revenueSettings.put({
        accountId: w.advertiser, currency: 'EUR', excludedTags: [],
        channels: { email: { event: 'opened', window: 2, unit: 'days' }, sms: { event: 'delivered', window: 12, unit: 'hours' } },
      })
      // The SMS was sent later but delivered 25 hours before the order: outside its 12 hours. The email was opened within 2 days.
      expect(await w.attributed(o)).toMatchObject({ messageId: mail.id, channel: 'email', linkedAt: at(1), settingsVersion: settings.version })
      await w.s.revenueSettings.put({
        accountId: w.advertiser, currency: 'EUR', excludedTags: [],
        channels: { email: { event: 'sent', window: 1, unit: 'weeks' }, sms: { event: 'sent', window: 2, unit: 'days' } },
      })
      expect(await w.attributed(o)).toMatchObject({ messageId: sms.id, channel: 'sms', linkedAt: at(5), settingsVersion: settings.version + 1 })
    })

    it('breaks a tie on sentAt by the later linking event, then by the greater message id', async () => {
      const w = await world()
      const [low, high] = [`msg_${'0'.repeat(15)}a`, `msg_${'0'.repeat(15)}b`].map((x) => `${x}${randomUUID().slice(0, 4)}`).sort()
      const later = await w.send(at(0), [w.a1], { id: low })
      const earlier = await w.send(at(0), [w.a1], { id: high })
      await w.event(later, 'clicked', at(2))
      await w.event(earlier, 'clicked', at(1))
      expect(await w.attributed(await w.order(at(3)))).toMatchObject({ messageId: later.id })
      await w.event(earlier, 'clicked', at(2))
      expect(await w.attributed(await w.order(at(3)))).toMatchObject({ messageId: high })
    })

    it('re-attributes a buyer’s orders from a time on (a late event), across accounts, and leaves earlier ones', async () => {
      const w = await world()
      const m = await w.send(at(0), [w.a1, w.b1])
      const before = await w.order(at(0.5))
      const mine = await w.order(at(4))
      const theirs = await w.order(at(5), { accountId: w.other })
      for (const o of [before, mine, theirs]) expect(await w.attributed(o)).toMatchObject({ messageId: null })
      await w.event(m, 'clicked', at(1))
      expect(await w.s.attributions.attribute({ recipient: w.buyer.toUpperCase(), since: at(1) }, clicked24h)).toBe(2)
      expect(await w.s.attributions.get(mine.id)).toMatchObject({ messageId: m.id, campaignId: w.a1 })
      expect(await w.s.attributions.get(theirs.id)).toMatchObject({ messageId: m.id, campaignId: w.b1 })
      expect(await w.s.attributions.get(before.id)).toMatchObject({ messageId: null })
    })

    it('keeps the message an order had once its buyer data is forgotten', async () => {
      const w = await world()
      const m = await w.send(at(0), [w.a1])
      await w.event(m, 'clicked', at(1))
      const o = await w.order(at(2))
      const other = await w.order(at(3))
      expect(await w.attributed(o)).toMatchObject({ messageId: m.id })
      expect(await w.attributed(other)).toMatchObject({ messageId: m.id })
      await w.s.orders.upsert({ ...o, email: null, status: 'cancelled' })
      expect(await w.attributed(o)).toMatchObject({ messageId: m.id, campaignId: w.a1, linkedAt: at(1), status: 'cancelled' })
      await w.s.messages.forgetBefore(new Date(Date.now() + 1000))
      expect(await w.attributed(other)).toMatchObject({ messageId: m.id })
    })

    it('pages an account’s orders by time, keeping orders of one instant together, naming those not attributed under the version', async () => {
      const w = await world()
      const orders = []
      for (const hours of [10, 11, 10, 13, 10]) orders.push(await w.order(at(hours)))
      await w.s.attributions.attribute({ orderIds: [orders[0]!.id, orders[1]!.id] }, clicked24h)
      const page = (after: Date | null) => w.s.attributions.staleOrders({ accountId: w.advertiser, version: 0, after, limit: 2 })
      // Two asked for, but three orders share the second one's time: all three, the attributed one left out.
      const first = await page(null)
      expect(new Set(first.orderIds)).toEqual(new Set([orders[2]!.id, orders[4]!.id]))
      expect(first.last).toEqual(at(10))
      const second = await page(first.last)
      expect(second).toEqual({ orderIds: [orders[3]!.id], last: at(13) })
      expect(await page(second.last)).toEqual({ orderIds: [], last: null })
      // Under another version every order is stale; a period narrows it.
      expect((await w.s.attributions.staleOrders({ accountId: w.advertiser, version: 7, limit: 100 })).orderIds).toHaveLength(5)
      expect(await w.s.attributions.staleOrders({ accountId: w.advertiser, version: 7, from: at(11), to: at(13), limit: 100 }))
        .toEqual({ orderIds: [orders[1]!.id], last: at(11) })
      expect(await w.s.attributions.staleOrders({ accountId: id('acc'), version: 0, limit: 100 })).toEqual({ orderIds: [], last: null })
    })

    it('sums purchases and revenue per campaign, channel and exclusion, in the currency, without cancelled or refunded orders', async () => {
      const w = await world()
      const offers = await w.send(at(0), [w.a1])
      const notice = await w.send(at(0.1), [w.a2], { tags: ['offer-email', 'password-reset'] })
      const sms = await w.send(at(0.2), [w.a1], { channel: 'sms' as Channel, recipient: `${id('sms')}@example.com` })
      for (const m of [offers, notice, sms]) await w.event(m, 'clicked', at(1))
      const noticeBuyer = await w.order(at(2), { total: 700 })
      const orders = [
        noticeBuyer,
        await w.order(at(2), { email: sms.recipient, total: 300 }),
        await w.order(at(2), { email: sms.recipient, total: 400, status: 'refunded' }),
        await w.order(at(2), { email: sms.recipient, total: 500, currency: 'USD' }),
        await w.order(at(2), { email: sms.recipient, total: 600, status: 'cancelled' }),
        await w.order(at(2), { email: 'nobody@example.com', total: 900 }),
        await w.order(at(30), { email: sms.recipient, total: 999 }),
      ]
      await w.s.attributions.attribute({ orderIds: orders.map((o) => o.id) }, clicked24h)
      // The buyer's latest message (notice) takes its order; the offers message takes none.
      const query: RevenueQuery = { view: 'advertiser', accountId: w.advertiser, from: at(0), to: at(24), currency: 'EUR', excludedTags: ['password-reset'], settingsVersion: 0 }
      const { groups, stale } = await w.s.attributions.summarize(query)
      const sorted = [...groups].sort((a, b) => a.revenue - b.revenue)
      expect(sorted).toEqual([
        { campaignId: w.a1, advertiserId: w.advertiser, channel: 'sms', excluded: false, purchases: 1, revenue: 300 },
        { campaignId: w.a2, advertiserId: w.advertiser, channel: 'email', excluded: true, purchases: 1, revenue: 700 },
      ])
      expect(stale).toBe(0)
      expect((await w.s.attributions.summarize({ ...query, excludedTags: [] })).groups.find((g) => g.campaignId === w.a2)).toMatchObject({ excluded: false })
      expect((await w.s.attributions.summarize({ ...query, currency: 'USD' })).groups).toEqual([
        { campaignId: w.a1, advertiserId: w.advertiser, channel: 'sms', excluded: false, purchases: 1, revenue: 500 },
      ])
      expect((await w.s.attributions.summarize({ ...query, settingsVersion: 3 })).stale).toBe(6)
      // The shop's view: the same purchases, found by the messages sent in its name; another shop sees none.
      const shopView = await w.s.attributions.summarize({ ...query, view: 'shop', accountId: w.shop, settingsVersion: undefined })
      expect(shopView.groups.map((g) => g.revenue).sort()).toEqual([300, 700])
      expect((await w.s.attributions.summarize({ ...query, view: 'shop', accountId: id('shop') })).groups).toEqual([])
      expect((await w.s.attributions.summarize({ ...query, accountId: w.other })).groups).toEqual([])
    })

    it('refreshes the planner’s statistics without changing any answer', async () => {
      const w = await world()
      const message = await w.send(at(0), [w.a1])
      await w.s.messageEvents.record({ messageId: message.id, type: 'clicked', at: at(0.5), providerEventId: null })
      const o = await w.order(at(1))
      await w.attributed(o)
      const lone = await w.order(at(2), { email: 'nobody@example.com' })
      await w.attributed(lone)
      const before = await Promise.all([o, lone].map((x) => w.s.attributions.get(x.id)))
      expect(before[0]).toMatchObject({ orderId: o.id, messageId: message.id })
      expect(before[1]).toMatchObject({ orderId: lone.id, messageId: null })
      const refreshed = new Date()
      await w.s.attributions.refreshStatistics()
      expect(await Promise.all([o, lone].map((x) => w.s.attributions.get(x.id)))).toEqual(before)
      // MongoDB has no planner statistics to refresh (a no-op by design); the postgres driver must have run them.
      if (w.s instanceof PostgresStorage) {
        const sql = w.s.sql
        // ANALYZE: the planner's row count of each table the rule and the reports read is its true count now, rows
        // just written included (PGlite has no autovacuum that could have done it instead).
        for (const table of ['revenue_attributions', 'orders', 'messages', 'message_events']) {
          const { rows } = await sql.query<{ estimated: number; actual: number }>(
            `SELECT (SELECT reltuples::float8 FROM pg_class WHERE oid = $1::regclass) AS estimated, (SELECT count(*)::float8 FROM ${table}) AS actual`, [table])
          expect(rows[0], table).toEqual({ estimated: rows[0]!.actual, actual: expect.any(Number) })
          expect(rows[0]!.actual, table).toBeGreaterThan(0)
        }
        // The server's statistics record a manual VACUUM of the attributions and an ANALYZE of every table since the
        // call (they are flushed asynchronously, so waited for: the event, not a fixed time).
        const end = Date.now() + 10_000
        for (;;) {
          const { rows } = await sql.query<{ relname: string; last_vacuum: Date | null; last_analyze: Date | null }>(
            "SELECT relname, last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relid = ANY(ARRAY['revenue_attributions', 'orders', 'messages', 'message_events']::regclass[])")
          const since = (d: Date | null) => d !== null && d.getTime() >= refreshed.getTime()
          const analyzed = rows.filter((r) => since(r.last_analyze)).map((r) => r.relname).sort()
          const vacuumed = rows.filter((r) => since(r.last_vacuum)).map((r) => r.relname)
          if (analyzed.length === 4 && vacuumed.includes('revenue_attributions')) break
          if (Date.now() > end) expect({ analyzed, vacuumed }).toEqual({ analyzed: ['message_events', 'messages', 'orders', 'revenue_attributions'], vacuumed: ['revenue_attributions'] })
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        if (w.s.driver === 'pglite') {
          // VACUUM's point: every page of the attributions is all-visible, so reports read the covering index alone.
          // (Checked where this process is the only session: on a shared server another session's snapshot may hold it back.)
          const { rows } = await sql.query<{ relpages: number; relallvisible: number }>(
            "SELECT relpages, relallvisible FROM pg_class WHERE oid = 'revenue_attributions'::regclass")
          expect(rows[0]!.relpages).toBeGreaterThan(0)
          expect(rows[0]!.relallvisible).toBe(rows[0]!.relpages)
        }
      }
    })

    it('sums what email clicks earned a publisher per campaign: email leads and sales whose click carried its message', async () => {
      const w = await world()
      const publisher = w.shop
      const message = await w.send(at(0), [w.a1])
      const click = (subIds: (string | null)[]): Click => ({
        id: id('clk'), linkId: id('lnk'), campaignId: w.a1, advertiserId: w.advertiser, publisherId: publisher, createdAt: new Date(),
        subIds: [...subIds, null, null, null].slice(0, 5), userAgent: null, referrer: null, ipHash: null, visitorKey: 'v', bot: false, duplicate: false,
        landingUrl: 'https://a.example/',
      })
      const fromEmail = click([message.id, 'email'])
      const elsewhere = click(['newsletter'])
      await w.s.clicks.insertMany([fromEmail, elsewhere])
      const conversion = (patch: Partial<NewConversion>) => w.s.conversions.insertIfAbsent({
        id: id('cnv'), advertiserId: w.advertiser, campaignId: w.a1, trackingCodeId: null, publisherId: publisher, clickId: null, type: 'sale',
        orderId: id('o'), amount: 10_000, currency: 'EUR', commission: 1000, commissionCurrency: 'EUR', commissionRule: null, status: 'pending',
        reason: 'attributed', source: 'script', refundedAmount: 0, reversedCommission: 0, customerEmail: null, approveAt: null, ...patch,
      }, [])
      await conversion({ type: 'lead', source: 'email', clickId: fromEmail.id, commission: 150 })
      await conversion({ clickId: fromEmail.id, commission: 1000, reversedCommission: 200 })
      await conversion({ clickId: fromEmail.id, commission: 5000, status: 'declined' })
      await conversion({ clickId: fromEmail.id, commission: 7000, commissionCurrency: 'USD' })
      await conversion({ clickId: elsewhere.id, commission: 9000 })
      const now = Date.now()
      const earned = await w.s.attributions.earnings({ publisherId: publisher, from: new Date(now - 3_600_000), to: new Date(now + 3_600_000), currency: 'EUR' })
      expect(earned).toEqual([{ campaignId: w.a1, conversions: 2, earned: 950 }])
      expect(await w.s.attributions.earnings({ publisherId: publisher, from: new Date(now + 3_600_000), to: new Date(now + 7_200_000), currency: 'EUR' })).toEqual([])
    })
  })
}
