// Tenant isolation in the portal, in Chromium: another account's conversions, campaigns, tracking codes,
// links and payouts never show on a page, and their ids typed into a URL by hand answer exactly like ids that
// do not exist (404) — for pages and for the forms that would change them.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestNetwork } from '../support/network.js'
import { describeWithChromium, launchChromium } from '../support/browser.js'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'
import { browserAgent } from '../api/support.js'
import { reportSale, signIn, startPortalNetwork, withPassword } from './support.js'

describeWithChromium('tenant isolation in the portal', () => {
  let net: TestNetwork
  let browser: Browser
  let a: Scenario
  let b: Scenario
  const mine = { conversion: '', link: '', payout: '', trackingCode: '' }
  let advertiserB: Page
  let publisherB: Page

  beforeAll(async () => {
    ;[net, browser] = await Promise.all([startPortalNetwork(), launchChromium()])
    ;[a, b] = await Promise.all([createScenario(net.storage, { name: 'Secret campaign A', holdDays: 30 }), createScenario(net.storage, { name: 'Campaign B' })])
    const click = await clickLink(net.url, a.linkCode, { userAgent: browserAgent })
    const sale = await reportSale(net.url, a.advertiserKey, { orderId: 'SECRET-A-1', amount: '900.00', clickId: click.clickId })
    await net.services.lifecycle.approveNow(a.advertiserId, sale.id)
    mine.conversion = sale.id
    mine.link = (await net.storage.links.listByPublisher(a.publisherId))[0]!.id
    mine.trackingCode = (await net.storage.trackingCodes.listByAdvertiser(a.advertiserId))[0]!.id
    const { payouts } = await net.storage.payouts.createBatch({ id: 'pb_isolation', period: '2025-03', createdBy: 'acc_demo_admin' }, [
      { id: 'po_isolation_a', accountId: a.publisherId, amount: 9000, currency: 'EUR' },
    ])
    mine.payout = payouts[0]!.id
    ;[advertiserB, publisherB] = await Promise.all([
      signIn(browser, net.url, await withPassword(net.storage, b.advertiserId)).then((s) => s.page),
      signIn(browser, net.url, await withPassword(net.storage, b.publisherId)).then((s) => s.page),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await net?.destroy()
  })

  /** Opens both URLs: the foreign one must answer 404 with exactly the page of an id that does not exist. */
  async function sameAsMissing(page: Page, foreign: string, missing: string) {
    const answer = await page.goto(foreign)
    expect(answer!.status(), foreign).toBe(404)
    const foreignText = await page.locator('main').textContent()
    expect((await page.goto(missing))!.status()).toBe(404)
    expect(await page.locator('main').textContent()).toBe(foreignText)
    expect(foreignText).not.toContain('SECRET')
  }

  /** Posts a form of the page's own session (a real CSRF token) to another account's record. */
  async function post(page: Page, path: string, form: Record<string, string> = {}) {
    await page.goto('/portal/account')
    const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value'))!
    return page.request.post(path, { form: { _csrf: csrf, ...form }, maxRedirects: 0 })
  }

  it('gives another advertiser 404 for the campaign, tracking code and conversion pages, as for missing ids', async () => {
    await sameAsMissing(advertiserB, `/portal/advertiser/campaigns/${a.campaign.id}`, '/portal/advertiser/campaigns/cmp_missing')
    await sameAsMissing(advertiserB, `/portal/advertiser/tracking-codes/${mine.trackingCode}`, '/portal/advertiser/tracking-codes/tc_missing')
    await sameAsMissing(advertiserB, `/portal/advertiser/conversions/${mine.conversion}`, '/portal/advertiser/conversions/cnv_missing')
  })

  it('refuses another advertiser\'s forms on them with 404, changing nothing', async () => {
    const before = { campaign: await net.storage.campaigns.get(a.campaign.id), code: await net.storage.trackingCodes.get(mine.trackingCode), conversion: await net.storage.conversions.get(mine.conversion) }
    const attempts: [string, Record<string, string>][] = [
      [`/portal/advertiser/campaigns/${a.campaign.id}`, { name: 'Mine now', currency: 'EUR', landingUrls: 'https://evil.example/', cookieWindowDays: '30', holdDays: '0', saleKind: 'percent', saleValue: '90', status: 'active', attribution: 'last_click' }],
      [`/portal/advertiser/tracking-codes/${mine.trackingCode}`, { name: 'Mine now', method: 'GET', status: 'paused' }],
      [`/portal/advertiser/tracking-codes/${mine.trackingCode}/rotate-secret`, {}],
      [`/portal/advertiser/conversions/${mine.conversion}/approve`, {}],
      [`/portal/advertiser/conversions/${mine.conversion}/decline`, {}],
      [`/portal/advertiser/conversions/${mine.conversion}/refund`, { amount: '900.00' }],
    ]
    for (const [path, form] of attempts) {
      const answer = await post(advertiserB, path, form)
      expect(answer.status(), path).toBe(404)
      expect(await answer.text()).not.toContain('SECRET')
    }
    expect(await net.storage.campaigns.get(a.campaign.id)).toEqual(before.campaign)
    expect(await net.storage.trackingCodes.get(mine.trackingCode)).toEqual(before.code)
    expect(await net.storage.conversions.get(mine.conversion)).toEqual(before.conversion)
  })

  it('shows another advertiser none of it in its lists, exports or request log', async () => {
    for (const path of ['/portal/advertiser', '/portal/advertiser/tracking-codes', '/portal/advertiser/conversions', '/portal/advertiser/request-log']) {
      await advertiserB.goto(path)
      const text = (await advertiserB.locator('main').textContent())!
      expect(text, path).not.toContain('Secret campaign A')
      expect(text, path).not.toContain('SECRET-A-1')
    }
    const csv = await advertiserB.request.get('/portal/advertiser/conversions?csv=conversions')
    expect(await csv.text()).not.toContain('SECRET-A-1')
    // Filtering the request log by another advertiser's code shows an error and nothing of it.
    const log = await advertiserB.goto(`/portal/advertiser/request-log?trackingCodeId=${mine.trackingCode}`)
    expect(log!.status()).toBe(400)
    expect(await advertiserB.getByRole('alert').textContent()).toContain('not one of your tracking codes')
    expect(await advertiserB.locator('main').textContent()).not.toContain(a.trackingCode)
  })

  it('gives another publisher 404 for the conversion, payout and link, and shows none of them', async () => {
    await sameAsMissing(publisherB, `/portal/publisher/conversions/${mine.conversion}`, '/portal/publisher/conversions/cnv_missing')
    await sameAsMissing(publisherB, `/portal/publisher/payouts/${mine.payout}`, '/portal/publisher/payouts/po_missing')
    await sameAsMissing(publisherB, `/portal/publisher/links?link=${mine.link}`, '/portal/publisher/links?link=lnk_missing')
    for (const path of ['/portal/publisher', '/portal/publisher/conversions', '/portal/publisher/payouts', '/portal/publisher/stats']) {
      await publisherB.goto(path)
      const text = (await publisherB.locator('main').textContent())!
      expect(text, path).not.toContain('SECRET-A-1')
      expect(text, path).not.toContain('90.00 EUR')
    }
    await publisherB.goto('/portal/publisher')
    expect(await publisherB.locator('[data-balance="approved"]').first().textContent()).toBe('0.00 EUR')
    // The publisher's own side of the same conversion is visible to its publisher only, without the buyer.
    const publisherA = (await signIn(browser, net.url, await withPassword(net.storage, a.publisherId))).page
    expect((await publisherA.goto(`/portal/publisher/conversions/${mine.conversion}`))!.status()).toBe(200)
    expect(await publisherA.locator('main').textContent()).not.toContain('buyer@example.com')
    expect((await publisherA.goto(`/portal/advertiser/conversions/${mine.conversion}`))!.status()).toBe(403)
    expect((await publisherA.goto('/portal/admin/payouts/pb_isolation'))!.status()).toBe(403)
    await publisherA.context().close()
  })
})
