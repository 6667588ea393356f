// F7 Revenue from campaigns: which message each purchase belongs to, and what that brought each campaign.
//
// Every order is attributed when it arrives or changes, and again when a message event that could change the
// answer arrives (late events included); the result is kept per order (storage.attributions), so a report
// for any period is a grouped sum. A settings change re-attributes the account's orders: a job does all of
// them at once, and a report first re-attributes what in its period is still stale (up to inlineLimit orders,
// about a second), so the change shows in the account's own report immediately; beyond that the report says
// how many orders the job has still to do.
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Account, Message, Order, RevenueSettings, Storage } from '../storage/types.js'
import { eventOf, eventType, signatureAgeMs, signatureMaxAgeMs, signatureOf, verifySignature } from './mailgun.js'
import { assemble, type CampaignInfo, type ReportView, type RevenueReport } from './report.js'
import { applyPatch, defaultRules, effectiveSettings, type SettingsPatch } from './settings.js'

export const reattributeJob = 'revenue.reattribute'
/** Orders examined per re-attribution statement: small enough not to hold the embedded database for long. */
const batchSize = 5_000
/** Stale orders a report re-attributes itself before answering; more are left to the job. */
export const inlineLimit = 20_000
/** After re-attributing this many orders, the planner's statistics are refreshed (the data changed shape). */
const statisticsAfter = 10_000
/** A report finding more stale orders than it does itself queues the job again, at most this often per account. */
const requeueMs = 5 * 60_000

export interface RevenueDeps {
  config: Config
  storage: Storage
  logger: Logger
  runNow(job: string, data: Record<string, unknown>): Promise<unknown>
  /** A recipient unsubscribed or complained at the provider: no more offer emails to that address. */
  suppress?(address: string): Promise<unknown>
  /** Replaces inlineLimit (tests). */
  inlineLimit?: number
}

export type WebhookOutcome =
  | { status: 'recorded'; event: string; messageId: string }
  | { status: 'duplicate'; event: string; messageId: string }
  | { status: 'ignored'; reason: string }

const refuse = (code: string, message: string) => new AppError(406, code, message, 'signature')

export function createRevenue(deps: RevenueDeps) {
  const { config, storage, logger } = deps

  const settingsOf = (accountId: string) => effectiveSettings(storage, accountId)

  /**
   * Stores a change of the account's settings; a change of the rules starts re-attributing its orders (currency and
   * excluded tags apply when reporting: nothing to redo).
   */
  async function updateSettings(account: Account, patch: SettingsPatch): Promise<RevenueSettings> {
    const current = await settingsOf(account.id)
    const saved = await storage.revenueSettings.put({ accountId: account.id, ...applyPatch(current, patch) })
    if (saved.version !== current.version) await deps.runNow(reattributeJob, { accountId: account.id })
    return saved
  }

  /** A new or changed order (status, total, date…): attributed at once. */
  async function orderChanged(order: Pick<Order, 'id'>): Promise<void> {
    await storage.attributions.attribute({ orderIds: [order.id] }, defaultRules)
  }

  /** Something happened to a message at `at`: the buyer's orders from then on may now belong to it. */
  async function messageChanged(message: Pick<Message, 'recipient'>, at: Date): Promise<number> {
    if (!message.recipient) return 0
    return storage.attributions.attribute({ recipient: message.recipient, since: at }, defaultRules)
  }

  /** A message went out (its sent event is its sentAt). */
  async function messageSent(message: Message): Promise<void> {
    if (message.sentAt) await messageChanged(message, message.sentAt)
  }

  /**
   * Re-attributes the account's orders (in a period, or all) not attributed under its settings' version, in
   * pages; returns how many it wrote. Done for all of them (the job), it refreshes the planner's statistics.
   */
  async function reattribute(accountId: string, period: { from?: Date; to?: Date } = {}): Promise<number> {
    const { version } = await settingsOf(accountId)
    let written = 0
    let after: Date | null = null
    for (;;) {
      const page = await storage.attributions.staleOrders({ accountId, version, ...period, after, limit: batchSize })
      if (page.orderIds.length) written += await storage.attributions.attribute({ orderIds: page.orderIds }, defaultRules)
      if (!page.last) break
      after = page.last
    }
    if (!period.from && !period.to && written >= statisticsAfter) await storage.attributions.refreshStatistics()
    return written
  }

  const requeued = new Map<string, number>()
  /** Queues the re-attribution job for an account unless this process did so lately. */
  async function requeue(accountId: string): Promise<void> {
    if (Date.now() - (requeued.get(accountId) ?? 0) < requeueMs) return
    requeued.set(accountId, Date.now())
    // A bound on this process's memory, not a rule: which account is forgotten first changes no result.
    if (requeued.size > 10_000) requeued.delete(requeued.keys().next().value as string)
    await deps.runNow(reattributeJob, { accountId })
  }

  /** The report for a period: `advertiser` — the account's own orders; `shop` — what its messages brought. */
  async function report(account: Pick<Account, 'id'>, view: ReportView, from: Date, to: Date): Promise<RevenueReport> {
    const settings = await settingsOf(account.id)
    const query = {
      view, accountId: account.id, from, to, currency: settings.currency, excludedTags: settings.excludedTags,
      ...(view === 'advertiser' && { settingsVersion: settings.version }),
    }
    let summary = await storage.attributions.summarize(query)
    if (summary.stale > 0 && summary.stale <= (deps.inlineLimit ?? inlineLimit)) {
      await reattribute(account.id, { from, to })
      summary = await storage.attributions.summarize(query)
    } else if (summary.stale > 0) {
      await requeue(account.id)
    }
    const earnings = view === 'shop' ? await storage.attributions.earnings({ publisherId: account.id, from, to, currency: settings.currency }) : []
    const info = new Map<string, CampaignInfo>()
    const advertisers = new Map<string, Promise<{ name: string; rules: RevenueSettings['channels'] }>>()
    const advertiser = (id: string) => {
      let found = advertisers.get(id)
      if (!found) {
        found = Promise.all([storage.accounts.get(id), id === account.id ? settings : settingsOf(id)])
          .then(([a, s]) => ({ name: a?.name ?? id, rules: s.channels }))
        advertisers.set(id, found)
      }
      return found
    }
    for (const campaignId of new Set([...summary.groups.map((g) => g.campaignId), ...earnings.map((e) => e.campaignId)])) {
      const campaign = await storage.campaigns.get(campaignId)
      if (!campaign) continue
      const a = await advertiser(campaign.advertiserId)
      info.set(campaignId, { name: campaign.name, advertiserId: campaign.advertiserId, advertiserName: a.name, rules: a.rules })
    }
    return assemble(
      { view, accountId: account.id, from, to, currency: settings.currency, excludedTags: settings.excludedTags, pending: summary.stale },
      summary.groups, earnings, info,
    )
  }

  /**
   * POST /webhooks/mailgun: verified (HMAC of timestamp + token, constant-time), fresh (15 minutes), never
   * replayed (tokens are remembered), and deduplicated by Mailgun's event id. Refusals throw a 406, which
   * also tells Mailgun not to retry; nothing is stored before the checks pass.
   */
  async function receiveMailgun(body: unknown, now = new Date()): Promise<WebhookOutcome> {
    const key = config.MAILGUN_WEBHOOK_SIGNING_KEY
    if (!key) throw new AppError(503, 'webhooks_not_configured', 'MAILGUN_WEBHOOK_SIGNING_KEY is not set: webhooks cannot be verified')
    const signature = signatureOf(body)
    if (!signature || !verifySignature(key, signature)) throw refuse('bad_signature', 'the webhook signature does not verify')
    if (signatureAgeMs(signature, now) > signatureMaxAgeMs) throw refuse('stale_signature', 'the webhook signature is older than 15 minutes')
    if (!(await storage.webhookTokens.use(signature.token, now))) throw refuse('replayed_token', 'this webhook token was used before')
    const event = eventOf(body)
    if (!event) throw new AppError(406, 'bad_event', 'event-data must have an id, an event and a timestamp', 'event-data')
    if ((event.event === 'unsubscribed' || event.event === 'complained') && event.recipient && deps.suppress) {
      await deps.suppress(event.recipient)
      return { status: 'recorded', event: event.event, messageId: event.messageId ?? '' }
    }
    const type = eventType(event)
    if (!type) return { status: 'ignored', reason: `not_tracked:${event.event}` }
    let message = event.messageId ? await storage.messages.get(event.messageId) : null
    if (!message && event.providerMessageId) message = await storage.messageEvents.findMessage(event.providerMessageId)
    if (!message) return { status: 'ignored', reason: 'unknown_message' }
    const recorded = await storage.messageEvents.record({ messageId: message.id, type, at: event.at, providerEventId: `mailgun:${event.id}` })
    if (!recorded.created) return { status: 'duplicate', event: type, messageId: message.id }
    if (type === 'sent' && !message.sentAt) {
      // Mailgun took a message whose send was marked failed (the sender died before hearing back): it was sent.
      // (`!message.sentAt` only saves a write: the update below changes a `failed` message alone, and a failed
      // message has no sentAt — without it a sent message's update finds nothing to change, as with it.)
      const sent = await storage.messages.update(message.id, ['failed'], { status: 'sent', sentAt: event.at, error: null })
      if (sent) await messageChanged(sent, event.at)
    } else if (type === 'delivered' || type === 'opened' || type === 'clicked') {
      const changed = await messageChanged(message, event.at)
      logger.debug({ messageId: message.id, event: type, reattributed: changed }, 'message event recorded')
    }
    return { status: 'recorded', event: type, messageId: message.id }
  }

  return { settingsOf, updateSettings, orderChanged, messageChanged, messageSent, reattribute, report, receiveMailgun }
}

export type Revenue = ReturnType<typeof createRevenue>
