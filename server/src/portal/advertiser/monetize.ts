// The advertiser's monetize page: settings, the offers a buyer would get, order API snippets, the offer
// emails sent in its name, and reinvesting.
import { Router } from 'express'
import { chooseOffers } from '../../monetize/offers.js'
import { parseAmount } from '../../money.js'
import type { Campaign, Message } from '../../storage/types.js'
import { badge, money, time } from '../format.js'
import { html } from '../html.js'
import { userOf, view, type PortalContext } from '../kit.js'
import { orderSnippets } from '../../monetize/orderSnippets.js'
import { tableHtml, type Table } from '../tables.js'
import { copyBlock, facts, ruleText } from '../views.js'

const maskEmail = (email: string | null) => (email ? email.replace(/^(.)[^@]*(@.*)$/, '$1…$2') : '(forgotten)')

export function monetizePages(ctx: PortalContext): Router {
  const { storage, config } = ctx.services
  const router = Router()

  router.get('/monetize', view(ctx, async (req) => {
    const { account } = userOf(req)
    const [active, codes, messages, balances] = await Promise.all([
      storage.campaigns.listActive(), storage.trackingCodes.listByAdvertiser(account.id), storage.messages.listByAccount(account.id, 50), storage.ledger.balances(account.id),
    ])
    const currency = active.find((c) => c.advertiserId === account.id)?.currency ?? 'EUR'
    const sampleTotal = parseAmount('50', currency)
    const offers = chooseOffers(active, account.id, { total: sampleTotal }, config.OFFERS_PER_EMAIL)
    const code = codes.find((t) => t.status === 'active')
    const campaign = code ? active.find((c) => c.id === code.campaignId) : undefined
    const snippets = orderSnippets(config.publicUrl, currency, code ? {
      publicUrl: config.publicUrl, code: code.code, postbackSecret: code.postbackSecret, campaignId: code.campaignId, currency,
      cookieWindowDays: campaign?.cookieWindowDays ?? 30, attribution: campaign?.attribution ?? 'last_click',
    } : null)
    const offerTable: Table<Campaign> = {
      name: 'offers', caption: `Offers a buyer would get now, for an order of ${money(sampleTotal, currency)}`, rows: offers,
      empty: 'No active campaigns of other advertisers: no offer email would be sent.',
      columns: [
        { label: 'Campaign', value: (c) => c.name },
        { label: 'What the buyer reads', value: (c) => c.description },
        { label: 'You earn per lead', value: (c) => ruleText(c.leadRule, c.currency, 'lead') },
        { label: 'You earn per sale', value: (c) => ruleText(c.saleRule, c.currency, 'sale') },
      ],
    }
    const messageTable: Table<Message> = {
      name: 'offer-emails', caption: 'Offer emails sent in your name, newest first', rows: messages, empty: 'No offer emails yet.',
      columns: [
        { label: 'Created', value: (m) => m.createdAt.toISOString(), cell: (m) => time(m.createdAt) },
        { label: 'Recipient', value: (m) => maskEmail(m.recipient) },
        { label: 'Subject', value: (m) => m.subject || null },
        { label: 'Offers', value: (m) => m.campaignIds.length, numeric: true },
        { label: 'Status', value: (m) => m.status, cell: (m) => badge(m.status === 'sent' ? 'approved' : m.status === 'failed' ? 'failed' : 'pending') },
        { label: 'Error', value: (m) => m.error },
      ],
    }
    const credit = balances.filter((b) => b.credit !== 0 || b.approved !== 0)
    return {
      title: 'Monetize your order confirmations', tables: [offerTable, messageTable],
      body: html`<p class="lead">Tell the network about each order as it is confirmed; the network emails the buyer offers from other advertisers in your shop's name, and every buyer's first click on an offer earns you a lead commission.</p>
${account.roles.includes('publisher') ? '' : html`<div class="error" role="alert"><p>Offer emails are sent only for shops that are also publishers. Ask the network to add the publisher role to your account.</p></div>`}
<section aria-labelledby="settings-heading"><h2 id="settings-heading">Settings</h2>${facts([
        ['Offers per email', String(config.OFFERS_PER_EMAIL)],
        ['Sender name', account.name], ['Replies go to', account.email],
        ['Delivery', config.MAILGUN_API_KEY ? 'Mailgun' : 'Local outbox (no Mailgun key is set)'],
      ])}
${!config.MAILGUN_API_KEY && config.NODE_ENV !== 'production' ? html`<p><a href="/outbox">Open the outbox</a> to read the emails the network would have sent.</p>` : ''}</section>
<section aria-labelledby="preview-heading"><h2 id="preview-heading">Offers preview</h2>${tableHtml(req, offerTable)}</section>
<section aria-labelledby="snippets-heading"><h2 id="snippets-heading">Order API snippets</h2>
<p>Use an API key from <a href="/portal/account">your account</a> as NETWORK_API_KEY.</p>
${copyBlock('order-curl', 'cURL', snippets.curl)}${copyBlock('order-node', 'Node.js', snippets.node)}
${copyBlock('order-php', 'PHP', snippets.php)}${copyBlock('order-python', 'Python', snippets.python)}
${snippets.browser ? copyBlock('order-browser', 'On the confirmation page, with the tracker', snippets.browser, 'Without a server call: the browser reports the order (rate-limited per visitor).') : ''}</section>
<section aria-labelledby="sent-heading"><h2 id="sent-heading">Offer emails</h2>${tableHtml(req, messageTable)}</section>
<section aria-labelledby="credit-heading"><h2 id="credit-heading">Reinvest</h2>
<p>${credit.length ? credit.map((b) => html`${money(b.approved, b.currency)} approved, ${money(b.credit, b.currency)} advertising credit. `) : 'No approved earnings yet. '}
${account.roles.includes('publisher') ? html`<a href="/portal/publisher#reinvest-heading">Reinvest approved earnings into your own campaigns →</a>` : ''}</p></section>`,
    }
  }))

  return router
}
