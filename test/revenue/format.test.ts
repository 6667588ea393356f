// The pure parts of revenue: the rule in words, the report's assembly, CSV quoting, the copy text, the HTML
// view's escaping, the settings form, and reading Mailgun's payloads.
import { describe, expect, it } from 'vitest'
import { eventOf, eventType, signatureOf, verifySignature } from '../../server/src/revenue/mailgun.js'
import { assemble, csvField, periodText, reportCsv, reportText, type CampaignInfo } from '../../server/src/revenue/report.js'
import { applyPatch, defaultRules, saleFormula } from '../../server/src/revenue/settings.js'
import { parseSettingsForm, renderRevenueReport, renderRevenueSettingsForm } from '../../server/src/revenue/view.js'
import type { RevenueSettings } from '../../server/src/storage/types.js'
import { sign } from './support.js'

const from = new Date('2025-01-01T00:00:00Z')
const to = new Date('2025-02-01T00:00:00Z')
const rules = defaultRules
const info = new Map<string, CampaignInfo>([
  ['cmp_a', { name: 'Tea, "green"', advertiserId: 'adv_1', advertiserName: 'Tea House', rules }],
  ['cmp_b', { name: '<b>Books</b>', advertiserId: 'adv_2', advertiserName: '=cmd|', rules: { ...rules, sms: { event: 'delivered', window: 1, unit: 'days' } } }],
])

describe('the sale formula', () => {
  it('says the rule in words, singular or plural, one clause per channel', () => {
    expect(saleFormula(rules)).toBe('A sale is a purchase within 24 hours after a click on the email.')
    expect(saleFormula({ ...rules, email: { event: 'opened', window: 1, unit: 'days' } })).toBe('A sale is a purchase within 1 day after the email was opened.')
    expect(saleFormula({ email: { event: 'sent', window: 2, unit: 'weeks' }, sms: { event: 'delivered', window: 1, unit: 'hours' } }, ['email', 'sms']))
      .toBe('A sale is a purchase within 2 weeks after the email was sent, or within 1 hour after the SMS was delivered.')
  })

  it('refuses a window over 90 days, and keeps what a patch leaves out', () => {
    const current: RevenueSettings = { accountId: 'a', channels: rules, currency: 'EUR', excludedTags: ['x'], version: 3, updatedAt: new Date() }
    expect(applyPatch(current, { channels: { email: { window: 90, unit: 'days' } } })).toEqual({
      channels: { ...rules, email: { event: 'clicked', window: 90, unit: 'days' } }, currency: 'EUR', excludedTags: ['x'],
    })
    expect(() => applyPatch(current, { channels: { sms: { window: 2161 } } })).toThrow(/at most 90 days/)
    expect(applyPatch(current, { currency: 'jpy', excludedTags: ['a', 'a'] })).toMatchObject({ currency: 'JPY', excludedTags: ['a'] })
  })
})

describe('the report', () => {
  const shop = assemble(
    { view: 'shop', accountId: 'shop_1', from, to, currency: 'EUR', excludedTags: ['password-reset'], pending: 0 },
    [
      { campaignId: 'cmp_a', advertiserId: 'adv_1', channel: 'email', excluded: false, purchases: 2, revenue: 3001 },
      { campaignId: 'cmp_a', advertiserId: 'adv_1', channel: 'email', excluded: true, purchases: 1, revenue: 999 },
      { campaignId: 'cmp_b', advertiserId: 'adv_2', channel: 'sms', excluded: false, purchases: 1, revenue: 5000 },
    ],
    [{ campaignId: 'cmp_a', conversions: 1, earned: 150 }, { campaignId: 'cmp_c', conversions: 1, earned: 50 }],
    info,
  )

  it('folds groups and earnings into one line per campaign, biggest revenue first', () => {
    expect(shop.totals).toEqual({ campaigns: 3, purchases: 3, averageCheck: 2667, revenue: 8001, earned: 200 })
    expect(shop.campaigns.map((c) => [c.campaignId, c.purchases, c.averageCheck, c.revenue, c.excluded.purchases, c.earned])).toEqual([
      ['cmp_b', 1, 5000, 5000, 0, 0],
      ['cmp_a', 2, 1501, 3001, 1, 150],
      ['cmp_c', 0, null, 0, 0, 50],
    ])
    expect(shop.campaigns[0]!.formula).toBe('A sale is a purchase within 1 day after the SMS was delivered.')
  })

  it('writes CSV by RFC 4180, names the currency, and keeps text cells from running as formulas', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField(' padded')).toBe('" padded"')
    expect(csvField('=1+1', true)).toBe("'=1+1")
    expect(csvField('-5.00')).toBe('-5.00')
    expect(reportCsv(shop).split('\r\n')).toEqual([
      'Campaign,Campaign ID,Advertiser,Purchases,Average check (EUR),Revenue (EUR),Earned (EUR),Excluded purchases,Excluded revenue (EUR),Sale formula',
      '<b>Books</b>,cmp_b,\'=cmd|,1,50.00,50.00,0.00,0,0.00,A sale is a purchase within 1 day after the SMS was delivered.',
      '"Tea, ""green""",cmp_a,Tea House,2,15.01,30.01,1.50,1,9.99,A sale is a purchase within 24 hours after a click on the email.',
      'cmp_c,cmp_c,,0,,0.00,0.50,0,0.00,',
      'All campaigns (3),,,3,26.67,80.01,2.00,1,9.99,',
      '',
    ])
  })

  it('copies as a summary and tab-separated rows', () => {
    const text = reportText(shop)
    expect(text.split('\n').slice(0, 8)).toEqual([
      'Revenue from campaigns (messages sent in your name), 2025-01-01 – 2025-01-31, in EUR',
      'Campaigns: 3', 'Purchases: 3', 'Average check: 26.67 EUR', 'Revenue: 80.01 EUR', 'Earned: 2.00 EUR',
      'Messages tagged password-reset are listed but earn no revenue.', '',
    ])
    expect(text).toContain('\nTea, "green"\tcmp_a\tTea House\t2\t15.01\t30.01\t1.50\t1\t9.99\t')
    expect(periodText(new Date('2025-01-01T12:00:00Z'), to)).toBe('2025-01-01T12:00:00.000Z – 2025-02-01T00:00:00.000Z (end excluded)')
  })

  it('renders HTML with every value escaped, the CSV link and a copy button', () => {
    const html = renderRevenueReport(shop, { csvUrl: '/x.csv?a=1&b=2', periodForm: { action: '/portal/revenue', hidden: { as: '"><script>' } } })
    expect(html).not.toMatch(/<b>Books|<script>/)
    expect(html).toContain('&#60;b&#62;Books&#60;/b&#62;')
    expect(html).toContain('Tea, &#34;green&#34;')
    expect(html).toContain('href="/x.csv?a=1&#38;b=2" download')
    expect(html).toContain('<button type="button" data-copy="revenue-copy-shop">Copy</button>')
    expect(html).toContain('<input type="date" name="to" value="2025-01-31" required>')
    const empty = renderRevenueReport({ ...shop, campaigns: [], totals: { campaigns: 0, purchases: 0, averageCheck: null, revenue: 0, earned: 0 } })
    expect(empty).toContain('No purchases belong to a message in this period.')
  })

  it('offers a settings form whose fields parse back into a settings patch', () => {
    const settings: RevenueSettings = { accountId: 'a', channels: rules, currency: 'EUR', excludedTags: ['a"b'], version: 1, updatedAt: new Date() }
    const form = renderRevenueSettingsForm(settings, { action: '/portal/revenue/settings', hidden: { csrf: 't' } })
    expect(form).toContain('<option value="clicked" selected>clicked</option>')
    expect(form).toContain('value="a&#34;b"')
    expect(parseSettingsForm({
      'channels.email.event': 'opened', 'channels.email.window': '3', 'channels.email.unit': 'days', currency: 'usd', excludedTags: ' a, b ,, ',
    })).toEqual({ channels: { email: { event: 'opened', window: 3, unit: 'days' } }, currency: 'usd', excludedTags: ['a', 'b'] })
  })
})

describe('Mailgun payloads', () => {
  it('verifies the HMAC of timestamp + token and nothing else', () => {
    const s = { timestamp: '1700000000', token: 'abc', signature: sign('1700000000', 'abc', 'key') }
    expect(verifySignature('key', s)).toBe(true)
    expect(verifySignature('key', { ...s, signature: s.signature.toUpperCase() })).toBe(true)
    expect(verifySignature('other', s)).toBe(false)
    expect(verifySignature('key', { ...s, token: 'abd' })).toBe(false)
    expect(verifySignature('key', { ...s, signature: s.signature.slice(0, 10) })).toBe(false)
    expect(signatureOf({ signature: { timestamp: 'soon', token: 'a', signature: 'b' } })).toBeNull()
    expect(signatureOf({ signature: { timestamp: 1700000000, token: 'a', signature: 'b' } })).toEqual({ timestamp: '1700000000', token: 'a', signature: 'b' })
  })

  it('reads an event, its message and its time, and maps Mailgun’s types', () => {
    const e = eventOf({ 'event-data': { id: 'ev1', event: 'clicked', timestamp: 1700000000.123456, recipient: 'Bob@X.example', message: { headers: { 'message-id': '<a@mg>' } }, 'user-variables': { message: 'msg_1' } } })
    expect(e).toEqual({ id: 'ev1', event: 'clicked', at: new Date(1700000000123), providerMessageId: 'a@mg', messageId: 'msg_1', recipient: 'bob@x.example', severity: null })
    expect(eventOf({ 'event-data': { event: 'opened', timestamp: 1 } })).toBeNull()
    expect(eventType({ ...e!, event: 'accepted' })).toBe('sent')
    expect(eventType({ ...e!, event: 'failed', severity: 'permanent' })).toBe('failed')
    expect(eventType({ ...e!, event: 'failed', severity: 'temporary' })).toBeNull()
    expect(eventType({ ...e!, event: 'unsubscribed' })).toBeNull()
  })
})
