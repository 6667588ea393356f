// The advertiser's portal in Chromium: campaigns with their rules (errors shown on the form), tracking codes
// with snippets that copy exactly, approving and refunding conversions, the request log as the place to test
// an integration, and the monetize page of a shop.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestNetwork } from '../support/network.js'
import { describeWithChromium, launchChromium } from '../support/browser.js'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'
import { browserAgent } from '../api/support.js'
import { cells, demoPerson, reportSale, signIn, startPortalNetwork, submit, withPassword } from './support.js'

describeWithChromium('advertiser portal', () => {
  let net: TestNetwork
  let browser: Browser
  let scenario: Scenario
  let page: Page

  beforeAll(async () => {
    ;[net, browser] = await Promise.all([startPortalNetwork(), launchChromium()])
    scenario = await createScenario(net.storage, { holdDays: 30 })
    page = (await signIn(browser, net.url, await withPassword(net.storage, scenario.advertiserId), { clipboard: true })).page
  })
  afterAll(async () => {
    await browser?.close()
    await net?.destroy()
  })

  it('creates a campaign, showing a mistake on its field first, and edits its rules', async () => {
    await page.goto('/portal/advertiser/campaigns/new')
    await page.getByLabel('Name').fill('Summer sale')
    await page.getByLabel('Landing URLs').fill('https://shop.example/summer\nhttps://shop.example/')
    await page.getByLabel('Per sale').selectOption('percent')
    await page.getByLabel('Sale commission').fill('150')
    await submit(page, page.getByRole('button', { name: 'Create campaign' }))
    expect(await page.getByRole('alert').textContent()).toContain('must be a percentage above 0 and at most 100')
    expect(await page.getByLabel('Sale commission').getAttribute('aria-invalid')).toBe('true')
    // What was typed is still there.
    expect(await page.getByLabel('Landing URLs').inputValue()).toBe('https://shop.example/summer\nhttps://shop.example/')

    await page.getByLabel('Sale commission').fill('12.5')
    await page.getByLabel('Per lead (amount)').fill('0.75')
    await page.getByLabel('Hold period (days)').fill('7')
    await submit(page, page.getByRole('button', { name: 'Create campaign' }))
    expect(await page.locator('.notice').textContent()).toContain('The campaign is created')
    const id = new URL(page.url()).pathname.split('/').pop()!
    expect(await net.storage.campaigns.get(id)).toMatchObject({
      name: 'Summer sale', advertiserId: scenario.advertiserId, holdDays: 7, cookieWindowDays: 30, currency: 'EUR',
      landingUrls: ['https://shop.example/summer', 'https://shop.example/'], saleRule: { kind: 'percent', basisPoints: 1250 }, leadRule: { kind: 'fixed', amount: 75 },
    })

    await page.getByLabel('Per sale').selectOption('fixed')
    await page.getByLabel('Sale commission').fill('3.00')
    await page.getByLabel('Per lead (amount)').fill('')
    await page.getByLabel('Cookie window (days)').fill('60')
    await submit(page, page.getByRole('button', { name: 'Save campaign' }))
    expect(await page.locator('.notice').textContent()).toContain('The campaign is saved')
    expect(await net.storage.campaigns.get(id)).toMatchObject({ saleRule: { kind: 'fixed', amount: 300 }, leadRule: null, cookieWindowDays: 60 })

    await page.goto('/portal/advertiser')
    expect(await cells(page.getByRole('row', { name: /^Summer sale/ }))).toEqual([
      'active', '3.00 EUR per sale', '—', '60', '7', 'last click', 'https://shop.example/summerhttps://shop.example/',
    ])
  })

  it('creates a tracking code and copies its snippets exactly', async () => {
    await page.goto('/portal/advertiser/tracking-codes')
    await page.getByLabel('Name').fill('Checkout pixel')
    await page.getByLabel('Campaign').selectOption(scenario.campaign.id)
    await submit(page, page.getByRole('button', { name: 'Create tracking code' }))
    await page.getByRole('heading', { name: 'Tracking code: Checkout pixel' }).waitFor()
    const code = (await net.storage.trackingCodes.listByAdvertiser(scenario.advertiserId)).find((t) => t.name === 'Checkout pixel')!

    const copy = async (snippet: string) => {
      const button = page.locator(`button[data-copy="${snippet}"]`)
      await button.click()
      await expect.poll(() => button.textContent()).toBe('Copied')
      return page.evaluate(() => navigator.clipboard.readText())
    }
    expect(await copy('snippet-pixel')).toBe(`<img src="${net.url}/px?t=${code.code}&amp;amount=19.95&amp;id=ORDER_ID" width="1" height="1" alt="">`)
    expect(await copy('snippet-script')).toContain(`<script async src="${net.url}/t.js" data-code="${code.code}"></script>`)
    expect(await copy('snippet-postback')).toContain(`token=${encodeURIComponent(code.postbackSecret)}`)
    expect(await page.getByRole('status').last().textContent()).toBe('Copied to the clipboard.')

    // The pasted pixel works: its hit is in the request log, filtered by this code.
    const hit = await fetch(`${net.url}/px?t=${code.code}&amount=abc&id=X-1`)
    expect(hit.status).toBe(200)
    await page.getByRole('link', { name: /see this code's requests in the request log/ }).click()
    await page.getByRole('heading', { name: 'Request log' }).waitFor()
    const log = page.getByRole('table', { name: /Tracking requests/ })
    expect(await cells(log.getByRole('row').nth(1))).toEqual(expect.arrayContaining(['pixel', 'rejected', 'bad_amount', 'Checkout pixel']))
  })

  it('filters the request log by code, outcome and reason', async () => {
    const click = await clickLink(net.url, scenario.linkCode, { userAgent: browserAgent })
    await fetch(`${net.url}/px?t=${scenario.trackingCode}&amount=10.00&id=LOG-1&nclid=${click.clickId}`)
    await fetch(`${net.url}/px?t=${scenario.trackingCode}&amount=-1&id=LOG-2`)
    await page.goto('/portal/advertiser/request-log')
    await page.getByLabel('Tracking code').selectOption({ label: 'Thank-you page' })
    await page.getByLabel('Outcome').selectOption('accepted')
    await submit(page, page.getByRole('button', { name: 'Filter' }))
    const rows = page.getByRole('table', { name: /Tracking requests/ }).getByRole('row')
    expect(await rows.count()).toBe(2)
    expect(await cells(rows.nth(1))).toEqual(expect.arrayContaining(['pixel', 'accepted', 'attributed', 'Thank-you page']))
    expect(new URL(page.url()).searchParams.get('outcome')).toBe('accepted')
    await page.getByLabel('Outcome').selectOption('')
    await page.getByLabel('Reason').fill('bad_amount')
    await submit(page, page.getByRole('button', { name: 'Filter' }))
    expect(await rows.count()).toBe(2)
    expect(await rows.nth(1).textContent()).toContain('id=LOG-2')
  })

  it('approves one conversion and refunds another in part and then in full, and the ledger follows', async () => {
    const clickA = await clickLink(net.url, scenario.linkCode, { userAgent: browserAgent })
    const clickB = await clickLink(net.url, scenario.linkCode, { userAgent: `${browserAgent} B` })
    await reportSale(net.url, scenario.advertiserKey, { orderId: 'A-100', amount: '100.00', clickId: clickA.clickId })
    const refunded = await reportSale(net.url, scenario.advertiserKey, { orderId: 'A-200', amount: '50.00', clickId: clickB.clickId })

    await page.goto('/portal/advertiser/conversions')
    await submit(page, page.getByRole('button', { name: 'Approve order A-100' }))
    expect(await page.locator('.notice').textContent()).toContain('approved')
    expect(await cells(page.getByRole('row', { name: /A-100/ }))).toEqual(expect.arrayContaining(['approved']))
    expect(await page.getByRole('button', { name: 'Approve order A-100' }).count()).toBe(0)

    await submit(page, page.getByRole('row', { name: /A-200/ }).getByRole('link', { name: 'Refund…' }))
    await page.getByLabel('Amount (EUR)').fill('20.00')
    await submit(page, page.getByRole('button', { name: 'Record refund' }))
    expect(await page.locator('.notice').textContent()).toContain('The refund is recorded')
    expect(await net.storage.conversions.get(refunded.id)).toMatchObject({ status: 'pending', refundedAmount: 2000, reversedCommission: 200 })
    // More than is left is refused on the form, naming the amount.
    await page.getByLabel('Amount (EUR)').fill('40.00')
    await submit(page, page.getByRole('button', { name: 'Record refund' }))
    expect(await page.getByRole('alert').textContent()).toContain('exceeds what is left to refund')
    await page.getByLabel('Amount (EUR)').fill('')
    await submit(page, page.getByRole('button', { name: 'Record refund' }))
    expect(await net.storage.conversions.get(refunded.id)).toMatchObject({ status: 'reversed', refundedAmount: 5000, reversedCommission: 500 })
    expect(await page.getByRole('button', { name: 'Record refund' }).count()).toBe(0)

    // 10.00 approved for A-100; A-200's commission is gone; the 1.00 pending is the request log test's LOG-1.
    const balance = (await net.storage.ledger.balances(scenario.publisherId)).find((b) => b.currency === 'EUR')!
    expect(balance).toMatchObject({ approved: 1000, pending: 100 })
  })

  it('shows the revenue-from-campaigns report with its CSV export, and saves its settings', async () => {
    await page.goto('/portal/advertiser/revenue')
    expect(await page.locator('.revenue-totals dt').allTextContents()).toEqual(['Campaigns', 'Purchases', 'Average check', 'Revenue from campaigns'])
    const csv = await page.request.get((await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href'))!)
    expect(csv.status()).toBe(200)
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8')
    await page.locator('select[name="channels.email.event"]').selectOption('opened')
    await page.locator('input[name="channels.email.window"]').fill('3')
    await page.locator('select[name="channels.email.unit"]').selectOption('days')
    await submit(page, page.getByRole('button', { name: 'Save' }))
    expect(await page.locator('.notice').textContent()).toContain('The revenue settings are saved')
    expect((await net.services.revenue.settingsOf(scenario.advertiserId)).channels.email).toEqual({ event: 'opened', window: 3, unit: 'days' })
    // A window beyond 90 days is refused, and the page says why.
    await page.locator('input[name="channels.email.window"]').fill('200')
    await submit(page, page.getByRole('button', { name: 'Save' }))
    expect(await page.getByRole('alert').textContent()).toMatch(/90 days|2160 hours/)
    expect((await net.services.revenue.settingsOf(scenario.advertiserId)).channels.email.window).toBe(3)
  })

  it('shows a shop its offers preview, the order API snippets and its offer emails', async () => {
    const shop = (await signIn(browser, net.url, demoPerson(net, 'advertiser'))).page
    await shop.goto('/portal/advertiser/monetize')
    const offers = shop.getByRole('table', { name: /Offers a buyer would get now/ })
    expect(await offers.textContent()).toContain('Test campaign')
    expect(await offers.textContent()).not.toContain('Demo Shop — all products')
    expect(await shop.locator('#order-curl').textContent()).toContain(`curl -X POST '${net.url}/api/v1/orders'`)
    expect(await shop.locator('#order-browser').textContent()).toContain("nw('order', { orderId: 'ORDER_ID'")
    for (const heading of ['cURL', 'Node.js', 'PHP', 'Python']) await shop.getByRole('heading', { name: heading, exact: true }).waitFor()
    await shop.getByRole('table', { name: /Offer emails sent in your name/ }).waitFor()
    await shop.context().close()
  })
})
