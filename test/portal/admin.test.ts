// The operator's portal in Chromium: a payout batch from the accounts over the minimum to "paid" through the
// ledger, its CSV transfer list, one batch per period, a payout the balance no longer covers; all conversions.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestNetwork } from '../support/network.js'
import { describeWithChromium, launchChromium } from '../support/browser.js'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'
import { browserAgent } from '../api/support.js'
import { cells, demoPerson, reportSale, signIn, startPortalNetwork, submit, withPassword } from './support.js'

describeWithChromium('admin portal', () => {
  let net: TestNetwork
  let browser: Browser
  let big: Scenario
  let small: Scenario
  let admin: Page
  let orders = 0

  /** An approved sale of `amount` EUR credited to the scenario's publisher (10 % commission). */
  async function approvedSale(s: Scenario, amount: string) {
    const click = await clickLink(net.url, s.linkCode, { userAgent: `${browserAgent} ${++orders}` })
    const sale = await reportSale(net.url, s.advertiserKey, { orderId: `ADM-${orders}`, amount, clickId: click.clickId })
    return net.services.lifecycle.approveNow(s.advertiserId, sale.id)
  }

  beforeAll(async () => {
    ;[net, browser] = await Promise.all([startPortalNetwork({ PAYOUT_MINIMUM: '50.00' }), launchChromium()])
    ;[big, small] = await Promise.all([createScenario(net.storage, { holdDays: 30 }), createScenario(net.storage, { holdDays: 30 })])
    await approvedSale(big, '600.00')
    await approvedSale(small, '200.00')
    admin = (await signIn(browser, net.url, demoPerson(net, 'admin'))).page
  })
  afterAll(async () => {
    await browser?.close()
    await net?.destroy()
  })

  it('pays the accounts over the minimum in a batch, through the ledger, with a CSV transfer list', async () => {
    await admin.goto('/portal/admin/payouts')
    const due = admin.getByRole('table', { name: /Due for payout/ })
    expect(await due.getByRole('row').count()).toBe(2)
    expect(await cells(due.getByRole('row').nth(1))).toEqual([`${big.publisherId}@example.com`, '60.00 EUR', '0.00 EUR', '60.00 EUR', 'EUR'])

    await admin.getByLabel('Period (month)').fill('2025-01')
    await submit(admin, admin.getByRole('button', { name: 'Create payout batch' }))
    await admin.getByRole('heading', { name: 'Payout batch 2025-01' }).waitFor()
    const payouts = admin.getByRole('table', { name: 'Payouts of 2025-01' })
    expect(await cells(payouts.getByRole('row').nth(1))).toEqual([`${big.publisherId}@example.com`, '60.00 EUR', 'EUR', 'scheduled', '—', '—'])

    const csvUrl = new URL(admin.url())
    csvUrl.searchParams.set('csv', 'payouts')
    const csv = await (await admin.request.get(csvUrl.href)).text()
    const [header, row] = csv.trim().split('\r\n')
    expect(header).toBe('Account,Email,Account id,Amount,Currency,Status,Paid,Note,Payout id')
    expect(row).toMatch(new RegExp(`^Test publisher,${big.publisherId}@example.com,${big.publisherId},60.00,EUR,scheduled,,,po_\\w+$`))
    // Nothing moved yet.
    expect((await net.storage.ledger.balances(big.publisherId))[0]).toMatchObject({ approved: 6000, paid: 0 })

    await submit(admin, admin.getByRole('button', { name: 'Mark batch as paid' }))
    expect(await admin.locator('.notice').textContent()).toContain('moved each payout from approved to paid')
    expect((await cells(payouts.getByRole('row').nth(1)))[3]).toBe('paid')
    expect(await admin.getByRole('button', { name: 'Mark batch as paid' }).count()).toBe(0)
    expect((await net.storage.ledger.balances(big.publisherId))[0]).toMatchObject({ approved: 0, paid: 6000 })
    const entries = (await net.storage.ledger.listByAccount(big.publisherId)).filter((e) => e.kind === 'payout')
    expect(entries.map((e) => [e.bucket, e.amount]).sort()).toEqual([['approved', -6000], ['paid', 6000]])

    // The publisher sees it paid, with the batch's period and its ledger entries.
    const publisher = (await signIn(browser, net.url, await withPassword(net.storage, big.publisherId))).page
    expect(await publisher.locator('[data-currency="EUR"] [data-balance="paid"]').textContent()).toBe('60.00 EUR')
    await publisher.goto('/portal/publisher/payouts')
    await submit(publisher, publisher.getByRole('link', { name: '2025-01' }))
    expect(await publisher.getByRole('table', { name: /Ledger entries/ }).getByRole('row').count()).toBe(3)
    await publisher.context().close()

    await admin.goto('/portal/admin/payouts')
    expect(await cells(admin.getByRole('table', { name: /Payout batches/ }).getByRole('row', { name: /2025-01/ }))).toEqual(expect.arrayContaining(['paid', '1', '60.00 EUR']))
    expect(await admin.getByRole('table', { name: /Due for payout/ }).textContent()).toContain('No account has an approved balance')
  })

  it('makes one batch per period, and fails a payout the approved balance no longer covers', async () => {
    const sale = await approvedSale(big, '700.00')
    await admin.goto('/portal/admin/payouts')
    await admin.getByLabel('Period (month)').fill('2025-01')
    await submit(admin, admin.getByRole('button', { name: 'Create payout batch' }))
    expect(await admin.getByRole('alert').textContent()).toContain('There is already a payout batch for 2025-01')
    expect(await admin.getByLabel('Period (month)').getAttribute('aria-invalid')).toBe('true')

    await admin.getByLabel('Period (month)').fill('2025-02')
    await submit(admin, admin.getByRole('button', { name: 'Create payout batch' }))
    await admin.getByRole('heading', { name: 'Payout batch 2025-02' }).waitFor()
    // A refund after the batch was made takes commission back from the approved balance.
    await net.services.lifecycle.refund(big.advertiserId, sale.id, { amount: 10_000, kind: 'refund' })
    await submit(admin, admin.getByRole('button', { name: 'Mark batch as paid' }))
    const row = await cells(admin.getByRole('table', { name: 'Payouts of 2025-02' }).getByRole('row').nth(1))
    expect(row.slice(0, 3)).toEqual([`${big.publisherId}@example.com`, '70.00 EUR', 'EUR'])
    expect(row[3]).toBe('failed')
    expect(row[5]).toContain('no longer covers it')
    // Nothing was paid; the money stays approved for a later batch.
    expect((await net.storage.ledger.balances(big.publisherId))[0]).toMatchObject({ approved: 6000, paid: 6000 })
  })

  it('lists every account\'s conversions with advertiser and publisher', async () => {
    await admin.goto('/portal/admin/conversions')
    const table = admin.getByRole('table', { name: /All conversions/ })
    expect(await table.getByRole('row').count()).toBe(4)
    const csv = await (await admin.request.get('/portal/admin/conversions?csv=conversions')).text()
    expect(csv.split('\r\n')[0]).toBe('Recorded,Order,Campaign,Type,Amount,Currency,Commission,Status,Reason,Advertiser,Publisher')
    expect(csv).toContain(`,ADM-1,Test campaign,sale,600.00,EUR,60.00,approved,attributed,Test advertiser,Test publisher`)
  })
})
