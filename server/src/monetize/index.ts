// F6 Monetize: a shop tells the network about an order; the network emails the buyer offers from other
// advertisers in the shop's name at once (an Agenda job, never making the shop wait); the buyer's first
// click on an offer is a lead for the shop. (A shop that also advertises can reinvest its earnings: credit.ts.)
import { addressHash as hashAddress, unsubscribeToken as tokenFor } from './addresses.js'
import { sameSecret } from '../secrets.js'
import type { Config } from '../config.js'
import { newId, newLinkCode } from '../ids.js'
import type { Logger } from '../logger.js'
import type { Account, Campaign, Click, Conversion, Link, Message, Order, Storage } from '../storage/types.js'
import type { ConversionIngest } from '../tracking/conversions.js'
import type { Mailer } from './mailer.js'
import { SendError } from './mailer.js'
import { chooseOffers } from './offers.js'
import { parseOrder } from './orders.js'
import { renderOfferEmail } from './render.js'

export const offerEmailJob = 'offer-email.send'
/** How long a sender may hold a message before it counts as interrupted. */
const leaseMs = 2 * 60_000
/** Sending attempts before a message is given up (transient errors are retried with back-off). */
export const maxSendAttempts = 6
/** Orders older than this at notification (back-fills, imports) get no offer email. */
const freshOrderMs = 24 * 3600_000
export const emailSubId = 'email'

export interface MonetizeDeps {
  config: Config
  storage: Storage
  logger: Logger
  mailer: Mailer
  ingest: ConversionIngest
  /** Queues a job to run now (Agenda; picked up at once through the backend's notifications). */
  runNow(job: string, data: Record<string, unknown>): Promise<unknown>
  /** Told of every stored order, once its offer email is queued (revenue attribution); a failure fails the notification, whose retry redoes it. */
  onOrder?(order: Order): Promise<void>
}

export interface OrderResult {
  order: Order
  created: boolean
  message: Pick<Message, 'id' | 'status'> | null
}

export function createMonetize(deps: MonetizeDeps) {
  const { config, storage, logger, mailer } = deps
  const addressHash = (address: string) => hashAddress(config.cookieSecret, address)
  const unsubscribeToken = (messageId: string) => tokenFor(config.cookieSecret, messageId)

  /** Stores the order and, for a new, fresh order with a buyer address, queues the offer email. */
  async function notify(shop: Account, input: unknown, at = '', sendOffers = true): Promise<OrderResult> {
    const result = await storeOrder(shop, input, at, sendOffers)
    await deps.onOrder?.(result.order)
    return result
  }

  async function storeOrder(shop: Account, input: unknown, at: string, sendOffers: boolean): Promise<OrderResult> {
    // A later notification without an order date (a status update) keeps the date the order has.
    const givesDate = (input as { orderedAt?: unknown } | null | undefined)?.orderedAt !== undefined
    const { order, created } = await storage.orders.upsert(parseOrder(shop.id, input, at), { keepOrderedAt: !givesDate })
    const wantsEmail = sendOffers && created && shop.roles.includes('publisher') && order.email !== null
      // (`<` or `<=`: the same but for an order placed exactly a day before this millisecond.)
      && order.status !== 'cancelled' && order.status !== 'refunded' && Date.now() - order.orderedAt.getTime() < freshOrderMs
    if (!wantsEmail) return { order, created, message: null }
    const suppressed = await storage.suppressions.has(addressHash(order.email as string))
    const { message } = await storage.messages.insertIfAbsent({
      id: newId('msg'), accountId: shop.id, orderId: order.id, channel: 'email', recipient: order.email, subject: '',
      tags: ['offer-email'], campaignIds: [], status: suppressed ? 'suppressed' : 'queued',
    })
    if (message.status === 'queued') await deps.runNow(offerEmailJob, { messageId: message.id })
    return { order, created, message: { id: message.id, status: message.status } }
  }

  /** The shop's tracked link for a campaign, created on first use. */
  async function linkFor(shop: Account, campaign: Campaign, links: Link[]): Promise<Link> {
    const found = links.find((l) => l.campaignId === campaign.id && l.status === 'active' && campaign.landingUrls.includes(l.landingUrl))
    if (found) return found
    const link = await storage.links.create({
      id: newId('lnk'), code: newLinkCode(), campaignId: campaign.id, advertiserId: campaign.advertiserId, publisherId: shop.id,
      landingUrl: campaign.landingUrls[0] as string, status: 'active',
    })
    links.push(link)
    return link
  }

  /** The job: send one message, exactly once. Throws on a transient failure so Agenda retries it. */
  async function sendOfferEmail(messageId: string): Promise<Message | null> {
    const message = await storage.messages.claim(messageId, new Date(Date.now() + leaseMs))
    if (!message) return null
    const fail = (error: string) => storage.messages.update(messageId, ['sending'], { status: 'failed', error, leaseUntil: null })
    const shop = await storage.accounts.get(message.accountId)
    const order = message.orderId ? await storage.orders.get(message.orderId) : null
    if (!shop || !order || !message.recipient) return fail('the order or its buyer address is gone')
    if (await storage.suppressions.has(addressHash(message.recipient))) {
      return storage.messages.update(messageId, ['sending'], { status: 'suppressed', leaseUntil: null })
    }
    const offers = chooseOffers(await storage.campaigns.listActive(), shop.id, order, config.OFFERS_PER_EMAIL)
    if (offers.length === 0) return fail('no active offers from other advertisers')
    const links = await storage.links.listByPublisher(shop.id)
    const rendered = []
    for (const campaign of offers) {
      const link = await linkFor(shop, campaign, links)
      const url = new URL(`${config.publicUrl}/c/${link.code}`)
      url.searchParams.set('sub1', message.id)
      url.searchParams.set('sub2', emailSubId)
      rendered.push({ campaign, url: url.href })
    }
    const unsubscribeUrl = `${config.publicUrl}/unsubscribe?m=${message.id}&s=${unsubscribeToken(message.id)}`
    const email = renderOfferEmail({ shop, order, offers: rendered, unsubscribeUrl })
    const campaignIds = offers.map((c) => c.id)
    try {
      const { providerId } = await mailer.send({
        messageId: message.id,
        from: `"${shop.name.replace(/["\\\r\n]/g, '')}" <${mailer.fromAddress}>`,
        to: message.recipient,
        replyTo: shop.email,
        subject: email.subject,
        html: email.html,
        text: email.text,
        tags: ['offer-email', `shop-${shop.id}`],
        variables: { order: order.externalId, message: message.id },
        unsubscribeUrl,
      })
      return storage.messages.update(messageId, ['sending'], { status: 'sent', providerId, sentAt: new Date(), leaseUntil: null, subject: email.subject, campaignIds })
    } catch (error) {
      const sendError = error instanceof SendError ? error : new SendError((error as Error).message, true)
      if (!sendError.transient || message.attempts >= maxSendAttempts) {
        logger.warn({ messageId, err: sendError.message }, 'offer email failed')
        return fail(sendError.message)
      }
      await storage.messages.update(messageId, ['sending'], { status: 'queued', error: sendError.message, leaseUntil: null })
      throw sendError
    }
  }

  /**
   * A sender that died mid-send leaves its message `sending`. Whether Mailgun got it is unknown, so it is
   * marked failed rather than sent again: never two emails for one order.
   */
  async function expireInterruptedSends(now = new Date()): Promise<number> {
    let count = 0
    for (const m of await storage.messages.listExpiredLeases(now)) {
      if (await storage.messages.update(m.id, ['sending'], { status: 'failed', error: 'interrupted while sending; not retried to avoid a second email', leaseUntil: null })) count++
    }
    return count
  }

  /** The buyer's first click from an offer email is a lead for the shop, once per buyer and offer. */
  async function recordEmailLead(click: Click, campaign: Campaign): Promise<Conversion | null> {
    const messageId = click.subIds[0]
    if (click.subIds[1] !== emailSubId || !messageId || !campaign.leadRule) return null
    const message = await storage.messages.get(messageId)
    if (!message || message.accountId !== click.publisherId || !message.campaignIds.includes(campaign.id) || !message.recipient) return null
    const outcome = await deps.ingest({
      source: 'email', kind: 'click', advertiserId: campaign.advertiserId, trackingCode: null, campaignId: campaign.id,
      params: { type: 'lead', orderId: `email-lead:${campaign.id}:${addressHash(message.recipient).slice(0, 32)}`, clickId: click.id, currency: campaign.currency },
      cookieClicks: {}, raw: { message: message.id, campaign: campaign.id }, ipHash: click.ipHash, userAgent: click.userAgent,
    })
    return outcome.created ? outcome.conversion : null
  }

  async function unsubscribe(messageId: string, token: string): Promise<boolean> {
    if (!sameSecret(token, unsubscribeToken(messageId))) return false
    const message = await storage.messages.get(messageId)
    if (!message?.recipient) return message !== null
    await storage.suppressions.add(addressHash(message.recipient))
    return true
  }

  return { notify, sendOfferEmail, expireInterruptedSends, recordEmailLead, unsubscribe, addressHash, unsubscribeToken }
}

export type Monetize = ReturnType<typeof createMonetize>
