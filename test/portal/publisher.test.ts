// The publisher's portal in Chromium: the balance moves when the advertiser approves a conversion, the link
// builder makes a tracked link with sub-ids that can be copied and works, and statistics group by campaign
// and sub-id with the previous period and export as CSV.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestNetwork } from '../support/network.js'
import { describeWithChromium, launchChromium } from '../support/browser.js'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'
import { browserAgent } from '../api/support.js'
import { cells, reportSale, signIn, startPortalNetwork, submit, withPassword } from './support.js'

describeWithChromium('publisher portal', () => {
  let net: TestNetwork
  let browser: Browser
  let scenario: Scenario
  let publisher: Page
  let advertiser: Page

  const balance = (page: Page, bucket: 'pending' | 'approved' | 'paid') => page.locator(`[data-currency="EUR"] [data-balance="${bucket}"]`)

  beforeAll(async () => {
    ;[net, browser] = await Promise.all([startPortalNetwork(), launchChromium()])
    scenario = await createScenario(net.storage, { holdDays: 30 })
    publisher = (await signIn(browser, net.url, await withPassword(net.storage, scenario.publisherId), { clipboard: true })).page
    advertiser = (await signIn(browser, net.url, await withPassword(net.storage, scenario.advertiserId))).page
  })
  afterAll(async () => {
    await browser?.close()
    await net?.destroy()
  })

  it('sees the balance move from pending to approved when the advertiser approves the conversion', async () => {
    const click = await clickLink(net.url, scenario.linkCode, { query: '?sub1=newsletter', userAgent: browserAgent })
    await reportSale(net.url, scenario.advertiserKey, { orderId: 'P-1', amount: '80.00', clickId: click.clickId })

    await publisher.goto('/portal/publisher')
    await publisher.getByRole('heading', { name: 'Balance' }).waitFor()
    expect(await balance(publisher, 'pending').textContent()).toBe('8.00 EUR')
    expect(await balance(publisher, 'approved').textContent()).toBe('0.00 EUR')
    expect(await publisher.locator('dt').allTextContents()).toEqual(['Pending', 'Approved', 'Paid'])

    await advertiser.goto('/portal/advertiser/conversions')
    await submit(advertiser, advertiser.getByRole('button', { name: 'Approve order P-1' }))
    expect(await advertiser.locator('.notice').textContent()).toContain('The conversion is approved')
    expect(await advertiser.getByRole('row', { name: /P-1/ }).getByText('approved', { exact: true }).count()).toBe(1)

    await publisher.reload()
    expect(await balance(publisher, 'pending').textContent()).toBe('0.00 EUR')
    expect(await balance(publisher, 'approved').textContent()).toBe('8.00 EUR')
    // The balance is the ledger's: its entries are on the same page, and the chart shows the day's earnings.
    const ledger = publisher.getByRole('table', { name: /Ledger entries/ })
    expect(await ledger.getByRole('row').count()).toBe(4)
    expect(await publisher.locator('svg.chart rect.bar').count()).toBe(1)
    await publisher.getByRole('img', { name: 'Earnings per day in EUR' }).waitFor()
    expect(await publisher.locator('.chart-summary').textContent()).toContain('Net earnings 8.00 EUR')
  })

  it('builds a tracked link with sub-ids, copies it, and the link works', async () => {
    await publisher.goto('/portal/publisher/links')
    const links = () => net.storage.links.listByPublisher(scenario.publisherId)
    const before = (await links()).length
    await publisher.getByLabel('Campaign and landing page').selectOption(`${scenario.campaign.id}~1`)
    await publisher.getByLabel('Sub-id 1').fill('blog')
    await publisher.getByLabel('Sub-id 2').fill('spring sale')
    await submit(publisher, publisher.getByRole('button', { name: 'Build link' }))

    const built = publisher.locator('#built-link')
    const tracked = (await built.textContent())!
    expect(tracked).toMatch(new RegExp(`^${net.url}/c/\\w+\\?sub1=blog&sub2=spring\\+sale$`))
    await publisher.getByRole('button', { name: 'Copy link' }).click()
    await publisher.getByRole('button', { name: 'Copied' }).waitFor()
    expect(await publisher.evaluate(() => navigator.clipboard.readText())).toBe(tracked)

    const res = await fetch(tracked, { redirect: 'manual', headers: { 'user-agent': browserAgent } })
    expect(res.status).toBe(302)
    const location = new URL(res.headers.get('location')!)
    expect(`${location.origin}${location.pathname}`).toBe('https://shop.example/other')
    const click = await net.storage.clicks.get(location.searchParams.get('nclid')!)
    expect(click!.subIds.slice(0, 2)).toEqual(['blog', 'spring sale'])
    expect((await links()).length).toBe(before + 1)

    // The same campaign and landing page again: the same link, other sub-ids.
    await publisher.getByLabel('Campaign and landing page').selectOption(`${scenario.campaign.id}~1`)
    await publisher.getByLabel('Sub-id 1').fill('video')
    await submit(publisher, publisher.getByRole('button', { name: 'Build link' }))
    expect(await publisher.locator('#built-link').textContent()).toBe(tracked.replace('sub1=blog&sub2=spring+sale', 'sub1=video'))
    expect((await links()).length).toBe(before + 1)
    expect(await publisher.getByRole('table', { name: /Your links/ }).getByRole('row').count()).toBe(before + 2)
  })

  it('shows clicks, unique clicks, conversions, rate, EPC and commission per sub-id with the previous period, and exports them', async () => {
    await publisher.goto('/portal/publisher/stats')
    await publisher.getByLabel('Group by').selectOption('sub1')
    await submit(publisher, publisher.getByRole('button', { name: 'Show' }))
    const table = publisher.getByRole('table', { name: /Statistics for the period/ })
    expect(await cells(table.getByRole('row', { name: /^newsletter/ }))).toEqual([
      '1prev 0 · new', '1prev 0 · new', '1prev 0 · new', '100.00 %prev —', '8.00 EURprev —', '8.00 EURprev 0.00 EUR · new',
    ])
    expect((await cells(table.getByRole('row', { name: /^blog/ })))[0]).toBe('1prev 0 · new')

    await publisher.getByLabel('Group by').selectOption('campaign')
    await submit(publisher, publisher.getByRole('button', { name: 'Show' }))
    expect((await cells(table.getByRole('row', { name: /^Test campaign/ })))[0]).toBe('2prev 0 · new')

    const [download] = await Promise.all([publisher.waitForEvent('download'), publisher.getByRole('link', { name: /Download CSV/ }).click()])
    const csv = await (await download.createReadStream()).toArray()
    const lines = Buffer.concat(csv).toString('utf8').trim().split('\r\n')
    expect(lines[0]).toBe('Campaign,Clicks,"Clicks, previous period",Unique clicks,"Unique clicks, previous period",Conversions,"Conversions, previous period",'
      + 'Conversion rate,"Conversion rate, previous period",EPC EUR,"EPC EUR, previous period",Commission EUR,"Commission EUR, previous period"')
    expect(lines[1]).toBe('Test campaign,2,0,2,0,1,0,50.00,,4.00,,8.00,0.00')

    // A bad period is explained, not a crash.
    await publisher.goto('/portal/publisher/stats?from=2025-02-30')
    expect(await publisher.getByRole('alert').textContent()).toContain('From: must be an ISO 8601 date')
  })

  it('lists its conversions and payouts, each with a page of its own', async () => {
    await publisher.goto('/portal/publisher/conversions')
    await submit(publisher, publisher.getByRole('link', { name: 'P-1' }))
    await publisher.getByRole('heading', { name: 'Conversion P-1' }).waitFor()
    expect(await publisher.getByText('buyer@example.com').count()).toBe(0)
    await publisher.goto('/portal/publisher/payouts')
    expect(await publisher.getByRole('table', { name: /Your payouts/ }).textContent()).toContain('No payouts yet')
  })
})
