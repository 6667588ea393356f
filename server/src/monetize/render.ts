// The offer email, in the shop's name: a short thank-you, N offers with tracked links, and an unsubscribe
// link. HTML (inline styles only, as mail clients need) and plain text. Every value is escaped.
import { escapeHtml } from '../html.js'
import type { Account, Campaign, Order } from '../storage/types.js'

export interface RenderedOffer {
  campaign: Campaign
  url: string
}

export interface RenderInput {
  shop: Pick<Account, 'name' | 'email'>
  order: Pick<Order, 'externalId' | 'name'>
  offers: RenderedOffer[]
  unsubscribeUrl: string
}

export function renderOfferEmail(input: RenderInput): { subject: string; html: string; text: string } {
  const shop = input.shop.name
  const greeting = input.order.name ? `Hi ${input.order.name.split(' ')[0]},` : 'Hi,'
  const subject = `${shop}: thank you for your order — a few offers picked for you`
  const items = input.offers.map(({ campaign, url }) => `
      <tr><td style="padding:16px;border:1px solid #e4e7eb;border-radius:8px">
        <p style="margin:0 0 4px;font-size:17px;font-weight:600;color:#1f2933">${escapeHtml(campaign.name)}</p>
        <p style="margin:0 0 12px;color:#3e4c59">${escapeHtml(campaign.description)}</p>
        <a href="${escapeHtml(url)}" style="display:inline-block;background:#0b6bcb;color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none">See the offer</a>
      </td></tr><tr><td style="height:12px"></td></tr>`).join('')
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;background:#f5f7fa;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5">
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:10px;padding:24px">
      <tr><td>
        <p style="margin:0 0 8px;color:#1f2933">${escapeHtml(greeting)}</p>
        <p style="margin:0 0 20px;color:#1f2933">Thank you for your order ${escapeHtml(input.order.externalId)} at ${escapeHtml(shop)}. As a thank-you, here are a few offers from shops we think you will like:</p>
      </td></tr>
      <tr><td><table role="presentation" width="100%" cellpadding="0" cellspacing="0">${items}</table></td></tr>
      <tr><td style="padding-top:12px;color:#7b8794;font-size:12px">
        You receive this because you ordered at ${escapeHtml(shop)}. Questions? Just reply to this email.<br>
        <a href="${escapeHtml(input.unsubscribeUrl)}" style="color:#7b8794">Unsubscribe from these offers</a>
      </td></tr>
    </table>
  </td></tr></table>
</body></html>`
  const text = [
    greeting,
    '',
    `Thank you for your order ${input.order.externalId} at ${shop}. As a thank-you, here are a few offers from shops we think you will like:`,
    '',
    ...input.offers.flatMap(({ campaign, url }) => [`* ${campaign.name}`, `  ${campaign.description}`, `  ${url}`, '']),
    `You receive this because you ordered at ${shop}. Questions? Just reply to this email.`,
    `Unsubscribe from these offers: ${input.unsubscribeUrl}`,
  ].join('\n')
  return { subject, html, text }
}

