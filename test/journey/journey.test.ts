// The demo, end to end in a real Chromium, as a buyer lives it: the publisher's blog, a tracked link, the
// shop, a purchase (script checkout and the seed-002 form checkout), the approval job and the publisher's
// balance; then the monetize loop: the offer email in the outbox, its offer link, the second advertiser's
// site, and the lead (and a later sale) credited to the shop.
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { describeWithChromium } from '../support/browser.js'
import { approvedEur, buyerContext, eurText, eventually, findConversion, startDemo, stepper, type Demo } from './support.js'

const clickIdPattern = /^[A-Za-z0-9_-]{22}$/
const journeyTimeout = 90_000

describeWithChromium('the demo journey in Chromium', () => {
  let demo: Demo
  let context: BrowserContext
  let page: Page
  let step: ReturnType<typeof stepper>

  beforeAll(async () => {
    demo = await startDemo()
  })
  afterAll(async () => {
    await demo?.stop()
  })
  beforeEach(async (test) => {
    context = await buyerContext(demo.browser)
    page = await context.newPage()
    step = stepper(page, test.task.name)
  })
  afterEach(async () => {
    await context?.close()
    expect(demo.siteProblems).toEqual([])
  })

  const shop = () => demo.sites.url
  const garden = () => demo.sites.gardenUrl
  const onSite = (origin: string) => (url: URL) => url.origin === origin

  /** Publisher's blog → tracked link → the advertiser's landing page; returns the click id. */
  async function followBlogLink(testId: string, origin: string): Promise<string> {
    await step('open the publisher’s blog', () => page.goto(demo.sites.blogUrl))
    const clickId = await step('follow the affiliate link', async () => {
      const link = page.locator(`[data-testid="${testId}"]`)
      expect(await link.getAttribute('href')).toMatch(new RegExp(`^${demo.network.url}/c/`))
      await Promise.all([page.waitForURL(onSite(origin)), link.click()])
      const id = new URL(page.url()).searchParams.get('nclid')
      expect(id).toMatch(clickIdPattern)
      return id as string
    })
    await step('the tracker keeps the click id in a first-party cookie on the shop', async () => {
      const cookie = await eventually('the _nclid cookie', async () => (await context.cookies(origin)).find((c) => c.name === '_nclid'))
      expect(cookie).toMatchObject({ value: clickId, domain: new URL(origin).hostname, path: '/', sameSite: 'Lax', httpOnly: false })
    })
    return clickId
  }

  async function addToCart(name: string, quantity = 1) {
    await step(`open ${name}`, async () => {
      await Promise.all([page.waitForURL('**/products/*'), page.locator('a.card-link', { hasText: name }).first().click()])
      expect(await page.textContent('h1')).toBe(name)
    })
    await step(`add ${quantity} × ${name} to the cart`, async () => {
      await page.fill('input[name=qty]', String(quantity))
      await Promise.all([page.waitForURL('**/cart?added=*'), page.click('button:has-text("Add to cart")')])
      expect(await page.textContent('.notice')).toContain(name)
    })
  }

  /** Browses the shop from its home page and fills the cart with 2 × Fjord Mug and a Cedar Candle: €60.00. */
  async function fillShopCart() {
    await addToCart('Fjord Mug', 2)
    await step('back to the shop', () => Promise.all([page.waitForURL(onSite(shop())), page.click('a.logo')]))
    await addToCart('Cedar Candle')
    await step('the cart holds both', async () => {
      expect(await page.locator('.lines .line').count()).toBe(2)
      expect(await page.textContent('[data-testid=total]')).toBe('€60.00')
      expect(await page.textContent('[data-testid=cart-count]')).toBe('3')
    })
  }

  async function fillCheckout(email: string) {
    await step('fill in the checkout', async () => {
      await page.fill('input[name=name]', 'Bob Buyer')
      await page.fill('input[name=email]', email)
      await page.fill('input[name=address]', '1 Harbour Street, Dublin')
    })
  }

  async function placeScriptOrder(email: string): Promise<string> {
    await step('go to checkout', () => Promise.all([page.waitForURL('**/checkout'), page.click('a:has-text("Checkout")')]))
    await fillCheckout(email)
    return step('place the order and reach the thank-you page', async () => {
      await Promise.all([page.waitForURL('**/thank-you?order=*'), page.click('button:has-text("Place order")')])
      await page.waitForLoadState('load')
      return (await page.textContent('[data-testid=order-id]')) as string
    })
  }

  async function expectApprovedAndPaid(apiKey: string, side: 'advertiser' | 'publisher', orderId: string, balanceKey: string, before: number, commission: number) {
    await step('the approval job approves the conversion', () =>
      eventually('the approved conversion', async () => (await findConversion(demo.network, apiKey, side, (c) => c.orderId === orderId))?.status === 'approved'))
    await step('the publisher’s approved balance shows the commission', async () => {
      await eventually(`an approved balance of ${before + commission} cents`, async () => (await approvedEur(demo.network, balanceKey)) === before + commission)
    })
  }

  it('credits the publisher for a sale through its blog link, reported by the tracker on the thank-you page', async () => {
    const balanceBefore = await approvedEur(demo.network, demo.key('publisher'))
    const clickId = await followBlogLink('shop-link-card', shop())
    await fillShopCart()
    const orderId = await placeScriptOrder('bob.script@example.com')
    expect(orderId).toMatch(/^DS-/)

    const conversion = await step('the network records the sale, attributed to the publisher', () =>
      eventually('the conversion', () => findConversion(demo.network, demo.key('advertiser'), 'advertiser', (c) => c.orderId === orderId)))
    expect(conversion).toMatchObject({
      type: 'sale', source: 'script', reason: 'attributed', campaignId: 'cmp_demo_shop', trackingCodeId: 'tc_demo',
      publisherId: 'acc_demo_publisher', clickId, amount: { amount: 6000, currency: 'EUR' }, commission: { amount: 600, currency: 'EUR' },
    })
    await expectApprovedAndPaid(demo.key('advertiser'), 'advertiser', orderId, demo.key('publisher'), balanceBefore, 600)

    await step('the publisher portal shows the same approved balance after signing in', async () => {
      const publisher = demo.account('publisher')
      await page.goto(`${demo.network.url}/portal/sign-in`)
      await page.fill('input[name=email]', publisher.email)
      await page.fill('input[name=password]', publisher.password)
      await Promise.all([page.waitForURL('**/portal/publisher'), page.click('button:has-text("Sign in")')])
      expect(await page.textContent('[data-currency="EUR"] [data-balance="approved"]')).toBe(eurText(balanceBefore + 600))
    })
  }, journeyTimeout)

  it('credits the publisher for a sale confirmed with the plain POST form, back to the thank-you page by its redirection URL', async () => {
    const balanceBefore = await approvedEur(demo.network, demo.key('publisher'))
    const clickId = await followBlogLink('shop-link-candle', shop())
    await fillShopCart()
    await step('choose the classic checkout', () => Promise.all([page.waitForURL('**/checkout?flow=form'), page.click('[data-testid=classic-checkout]')]))
    await fillCheckout('bob.form@example.com')
    const orderId = await step('place the order: payment approved, one more click', async () => {
      await Promise.all([page.waitForURL('**/checkout/confirm?order=*'), page.click('button:has-text("Place order")')])
      await page.waitForLoadState('load')
      return (await page.textContent('[data-testid=order-id]')) as string
    })
    await step('the form posts the sale to the network, which answers 303 to the thank-you page', async () => {
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.url() === `${demo.network.url}/conv` && r.method() === 'POST'),
        page.waitForURL(`${shop()}/thank-you`),
        page.click('input[type=submit][value="Click to Continue"]'),
      ])
      // t, amount and id as seed 002 pastes them, and the click id the tracker adds to the submission.
      expect(Object.fromEntries(new URLSearchParams(request.postData() ?? ''))).toEqual({ t: 'TCDEMOFORM', amount: '60.00', id: orderId, nclid: clickId, nclid1: clickId })
      const response = await request.response()
      expect(response?.status()).toBe(303)
      expect(await response?.headerValue('location')).toBe(`${shop()}/thank-you`)
      expect(await page.textContent('[data-testid=order-id]')).toBe(orderId)
    })

    const conversion = await step('the network records the sale, attributed to the publisher', () =>
      eventually('the conversion', () => findConversion(demo.network, demo.key('advertiser'), 'advertiser', (c) => c.orderId === orderId)))
    expect(conversion).toMatchObject({
      type: 'sale', source: 'form', reason: 'attributed', campaignId: 'cmp_demo_shop', trackingCodeId: 'tc_demo_form',
      publisherId: 'acc_demo_publisher', clickId, amount: { amount: 6000, currency: 'EUR' }, commission: { amount: 600, currency: 'EUR' },
    })
    await expectApprovedAndPaid(demo.key('advertiser'), 'advertiser', orderId, demo.key('publisher'), balanceBefore, 600)
  }, journeyTimeout)

  it('emails the buyer offers in the shop’s name and credits the shop with the lead, then the sale, on the second advertiser', async () => {
    const shopKey = demo.key('advertiser')
    const shopEarningsBefore = await approvedEur(demo.network, shopKey)
    const email = `bob.monetize.${Date.now()}@example.com`

    await step('open the shop directly', () => page.goto(shop()))
    await addToCart('Arc Desk Lamp')
    const orderId = await placeScriptOrder(email)
    expect(await page.textContent('.behind')).toContain(email)

    const emailLink = await step('the outbox shows the offer email for this order', () =>
      eventually('the offer email in the outbox', async () => {
        await page.goto(`${demo.network.url}/outbox`)
        const link = page.locator('tr', { has: page.locator('td', { hasText: email }) }).locator('a').first()
        return (await link.count()) > 0 ? link : null
      }))
    await step('open the email', async () => {
      expect(await emailLink.textContent()).toContain('Demo Shop')
      await Promise.all([page.waitForURL('**/outbox/*'), emailLink.click()])
      expect(await page.textContent('body')).toContain(`Thank you for your order ${orderId} at Demo Shop`)
    })

    const offer = page.locator('td', { hasText: 'Demo Garden' }).last().locator('a', { hasText: 'See the offer' })
    await step('the offer link is the shop’s tracked link, tagged with the message', async () => {
      const href = new URL((await offer.getAttribute('href')) as string)
      expect(href.origin + href.pathname).toMatch(new RegExp(`^${demo.network.url}/c/`))
      expect(href.searchParams.get('sub1')).toMatch(/^msg_/)
      expect(href.searchParams.get('sub2')).toBe('email')
    })
    const clickId = await step('opening the offer lands on Demo Garden', async () => {
      await Promise.all([page.waitForURL(onSite(garden())), offer.click()])
      await page.waitForLoadState('load')
      expect(await page.textContent('.logo')).toContain('Demo Garden')
      const id = new URL(page.url()).searchParams.get('nclid')
      expect(id).toMatch(clickIdPattern)
      const cookie = await eventually('the _nclid cookie', async () => (await context.cookies(garden())).find((c) => c.name === '_nclid' && c.value === id))
      expect(cookie).toMatchObject({ sameSite: 'Lax', httpOnly: false })
      return id as string
    })

    const lead = await step('the network credits the shop with a lead', () =>
      eventually('the lead', () => findConversion(demo.network, shopKey, 'publisher', (c) => c.type === 'lead' && c.clickId === clickId)))
    expect(lead).toMatchObject({
      source: 'email', reason: 'attributed', campaignId: 'cmp_demo_garden', publisherId: 'acc_demo_advertiser', commission: { amount: 100, currency: 'EUR' },
    })
    await expectApprovedAndPaid(shopKey, 'publisher', lead.orderId, shopKey, shopEarningsBefore, 100)

    // A later sale on Demo Garden, from the same click, is the shop's too.
    await addToCart('Copper Watering Can')
    const gardenOrderId = await placeScriptOrder(email)
    expect(gardenOrderId).toMatch(/^DG-/)
    const sale = await step('the garden sale is attributed to the shop', () =>
      eventually('the garden sale', () => findConversion(demo.network, demo.key('garden'), 'advertiser', (c) => c.orderId === gardenOrderId)))
    expect(sale).toMatchObject({
      type: 'sale', source: 'script', reason: 'attributed', campaignId: 'cmp_demo_garden', publisherId: 'acc_demo_advertiser', clickId,
      amount: { amount: 3900, currency: 'EUR' }, commission: { amount: 312, currency: 'EUR' },
    })
    await expectApprovedAndPaid(demo.key('garden'), 'advertiser', gardenOrderId, shopKey, shopEarningsBefore + 100, 312)
  }, journeyTimeout)
})
