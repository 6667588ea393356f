// attribute() on its own: which of the request's click ids, the tracker's first id and the network cookie's
// entry earns a conversion. The store is a map of clicks and campaigns (attribute reads only `clicks.get` and
// `campaigns.get`); the campaign cache is the real one, new for every test, so each look-up starts cold.
// The same rules run end to end in model.test.ts and upgrade.test.ts; here every edge is pinned exactly.
import { describe, expect, it } from 'vitest'
import type { Campaign, Click, Storage } from '../../server/src/storage/types.js'
import { attribute } from '../../server/src/tracking/attribution.js'
import { TtlCache } from '../../server/src/cache.js'
import type { ClickMap } from '../../server/src/tracking/networkCookie.js'

const DAY = 86_400_000
const at = new Date('2026-06-30T12:00:00.000Z')
const ago = (ms: number) => new Date(at.getTime() - ms)

function campaign(id: string, patch: Partial<Campaign> = {}): Campaign {
  return {
    id, advertiserId: 'adv', name: id, description: '', status: 'active', currency: 'EUR', landingUrls: ['https://shop.example/'],
    cookieWindowDays: 30, holdDays: 0, attribution: 'last_click', saleRule: { kind: 'percent', basisPoints: 1000 }, leadRule: null,
    firstPartyPath: null, createdAt: ago(100 * DAY), ...patch,
  }
}

function click(id: string, createdAt: Date, patch: Partial<Click> = {}): Click {
  return {
    id, linkId: `lnk_${id}`, campaignId: 'last', advertiserId: 'adv', publisherId: `pub_${id}`, createdAt, subIds: [],
    userAgent: null, referrer: null, ipHash: null, visitorKey: 'v', bot: false, duplicate: false, landingUrl: 'https://shop.example/', ...patch,
  }
}

/** A store holding these clicks and campaigns, counting the click look-ups. */
function world(clicks: Click[], campaigns: Campaign[] = [campaign('last'), campaign('first', { attribution: 'first_click' })]) {
  const lookups: string[] = []
  const storage = {
    clicks: { get: async (id: string) => (lookups.push(id), clicks.find((c) => c.id === id) ?? null) },
    campaigns: { get: async (id: string) => campaigns.find((c) => c.id === id) ?? null },
  } as unknown as Storage
  const run = (input: { clickId?: string | null; firstClickId?: string | null; cookieClicks?: ClickMap; advertiserId?: string; at?: Date }) =>
    attribute({ storage, campaigns: new TtlCache<Campaign | null>(60_000) }, {
      advertiserId: input.advertiserId ?? 'adv', clickId: input.clickId ?? null, firstClickId: input.firstClickId, cookieClicks: input.cookieClicks ?? {}, at: input.at ?? at,
    })
  return { run, lookups }
}

const cookieFor = (advertiserId: string, clickId: string): ClickMap => ({ [advertiserId]: [clickId, Math.floor(at.getTime() / 1000) - 60, Math.floor(at.getTime() / 1000) + 3600] })

describe('attribute', () => {
  it('with no click id anywhere: no_click, nothing looked up', async () => {
    const w = world([])
    expect(await w.run({ clickId: null, firstClickId: '', cookieClicks: cookieFor('other-adv', 'c'.repeat(22)) })).toEqual({ reason: 'no_click', click: null, campaign: null })
    expect(w.lookups).toEqual([])
  })

  it('names why a single id cannot earn: unknown, another advertiser’s, its campaign gone, a bot, past the window', async () => {
    const w = world([
      click('foreign', ago(DAY), { advertiserId: 'adv-2' }),
      click('orphan', ago(DAY), { campaignId: 'deleted' }),
      click('bot', ago(DAY), { bot: true }),
      click('old', ago(31 * DAY)),
    ])
    expect(await w.run({ clickId: 'nobody' })).toEqual({ reason: 'unknown_click', click: null, campaign: null })
    // Another advertiser's click is not even shown: its publisher and campaign are none of this one's business.
    expect(await w.run({ clickId: 'foreign' })).toEqual({ reason: 'foreign_click', click: null, campaign: null })
    expect(await w.run({ clickId: 'orphan' })).toEqual({ reason: 'unknown_click', click: null, campaign: null })
    // A bot's or an expired click keeps its click and campaign on the conversion (the advertiser sees which).
    expect(await w.run({ clickId: 'bot' })).toMatchObject({ reason: 'bot_click', click: { id: 'bot' }, campaign: { id: 'last' } })
    expect(await w.run({ clickId: 'old' })).toMatchObject({ reason: 'expired_window', click: { id: 'old' }, campaign: { id: 'last' } })
  })

  it('counts the window to the millisecond: exactly the window still earns, one millisecond more does not', async () => {
    const w = world([click('edge', ago(30 * DAY)), click('past', ago(30 * DAY + 1))])
    expect(await w.run({ clickId: 'edge' })).toMatchObject({ reason: 'attributed', click: { id: 'edge' } })
    expect(await w.run({ clickId: 'past' })).toMatchObject({ reason: 'expired_window', click: { id: 'past' } })
    // The window is the click's own campaign's.
    const short = world([click('day', ago(DAY + 1), { campaignId: 'short' })], [campaign('short', { cookieWindowDays: 1 })])
    expect(await short.run({ clickId: 'day' })).toMatchObject({ reason: 'expired_window' })
  })

  it('when none can earn, reports the request’s own id’s reason, not the first id’s or the cookie’s', async () => {
    const w = world([click('old', ago(40 * DAY)), click('bot', ago(DAY), { bot: true })])
    expect(await w.run({ clickId: 'old', firstClickId: 'bot', cookieClicks: cookieFor('adv', 'nobody') })).toMatchObject({ reason: 'expired_window', click: { id: 'old' } })
    expect(await w.run({ clickId: 'bot', firstClickId: 'old' })).toMatchObject({ reason: 'bot_click', click: { id: 'bot' } })
    expect(await w.run({ clickId: null, firstClickId: 'bot', cookieClicks: cookieFor('adv', 'old') })).toMatchObject({ reason: 'bot_click' })
  })

  it('a bot’s or an expired newer click never hides a good older one', async () => {
    const w = world([
      click('good', ago(10 * DAY)),
      click('bot', ago(DAY), { bot: true }),
      // Newer, but on a one-day campaign clicked two days ago.
      click('lapsed', ago(2 * DAY), { campaignId: 'short' }),
    ], [campaign('last'), campaign('short', { cookieWindowDays: 1 })])
    expect(await w.run({ clickId: 'bot', firstClickId: 'good' })).toMatchObject({ reason: 'attributed', click: { id: 'good' } })
    expect(await w.run({ clickId: 'lapsed', firstClickId: 'good' })).toMatchObject({ reason: 'attributed', click: { id: 'good' } })
    expect(await w.run({ clickId: 'bot', cookieClicks: cookieFor('adv', 'good') })).toMatchObject({ reason: 'attributed', click: { id: 'good' } })
  })

  it('orders by when the network issued the clicks, not by which parameter carried them', async () => {
    const older = click('older', ago(5 * DAY))
    const newer = click('newer', ago(DAY))
    const lastClick = world([older, newer])
    // The tracker's ids the right way round, swapped (a page or an old tag mixing them up), and via the cookie.
    for (const input of [{ clickId: 'newer', firstClickId: 'older' }, { clickId: 'older', firstClickId: 'newer' }, { clickId: 'older', cookieClicks: cookieFor('adv', 'newer') }])
      expect(await lastClick.run(input), JSON.stringify(input)).toMatchObject({ reason: 'attributed', click: { id: 'newer' } })
    const firstClick = world([{ ...older, campaignId: 'first' }, { ...newer, campaignId: 'first' }])
    for (const input of [{ clickId: 'newer', firstClickId: 'older' }, { clickId: 'older', firstClickId: 'newer' }, { clickId: 'newer', cookieClicks: cookieFor('adv', 'older') }])
      expect(await firstClick.run(input), JSON.stringify(input)).toMatchObject({ reason: 'attributed', click: { id: 'older' } })
  })

  it('the latest click’s campaign decides the model', async () => {
    // The older click is on a last-click campaign, the newer on a first-click one: first click earns.
    const w = world([click('older', ago(5 * DAY), { campaignId: 'last' }), click('newer', ago(DAY), { campaignId: 'first' })])
    expect(await w.run({ clickId: 'newer', firstClickId: 'older' })).toMatchObject({ click: { id: 'older' }, campaign: { id: 'last' } })
    // The other way round: last click earns.
    const v = world([click('older', ago(5 * DAY), { campaignId: 'first' }), click('newer', ago(DAY), { campaignId: 'last' })])
    expect(await v.run({ clickId: 'older', firstClickId: 'newer' })).toMatchObject({ click: { id: 'newer' }, campaign: { id: 'last' } })
  })

  it('clicks of the same millisecond: the request’s own id counts as the newer', async () => {
    const same = ago(DAY)
    const last = world([click('mine', same), click('theirs', same)])
    expect(await last.run({ clickId: 'mine', firstClickId: 'theirs' })).toMatchObject({ click: { id: 'mine' } })
    expect(await last.run({ clickId: 'theirs', firstClickId: 'mine' })).toMatchObject({ click: { id: 'theirs' } })
    expect(await last.run({ clickId: 'mine', cookieClicks: cookieFor('adv', 'theirs') })).toMatchObject({ click: { id: 'mine' } })
    // On a first-click campaign the same rule makes the other id the first.
    const first = world([click('mine', same, { campaignId: 'first' }), click('theirs', same, { campaignId: 'first' })])
    expect(await first.run({ clickId: 'mine', firstClickId: 'theirs' })).toMatchObject({ click: { id: 'theirs' } })
  })

  it('looks each id up once, and reads only this advertiser’s cookie entry', async () => {
    const w = world([click('one', ago(DAY)), click('stranger', ago(DAY / 2), { advertiserId: 'adv-2' })])
    const cookies: ClickMap = { ...cookieFor('adv', 'one'), ...cookieFor('adv-2', 'stranger') }
    expect(await w.run({ clickId: 'one', firstClickId: 'one', cookieClicks: cookies })).toMatchObject({ reason: 'attributed', click: { id: 'one' } })
    expect(w.lookups).toEqual(['one'])
    // The cookie alone (an ad-blocked tracker, a form without the script) still attributes.
    expect(await w.run({ cookieClicks: cookies })).toMatchObject({ reason: 'attributed', click: { id: 'one' } })
    expect(await w.run({ cookieClicks: cookies, advertiserId: 'adv-3' })).toEqual({ reason: 'no_click', click: null, campaign: null })
  })
})
