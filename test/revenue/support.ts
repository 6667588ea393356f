// Helpers for the revenue tests: a network with a webhook signing key, accounts with API keys, messages as the
// offer-email job leaves them (sent, with campaigns, tags and a Mailgun id), and signed Mailgun webhooks.
import { createHmac, randomUUID } from 'node:crypto'
import { newApiKey, newId } from '../../server/src/ids.js'
import type { Channel, Message, Storage } from '../../server/src/storage/types.js'
import { client, type Call } from '../api/support.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'

export const signingKey = 'whsec-test-signing-key-0123456789'

export async function startRevenueNetwork(env: Record<string, string> = {}): Promise<TestNetwork> {
  return startTestNetwork({ MAILGUN_WEBHOOK_SIGNING_KEY: signingKey, ...env })
}

export interface TestAccount {
  id: string
  key: string
  call: Call
}

export async function account(network: TestNetwork, name: string, roles: ('advertiser' | 'publisher')[]): Promise<TestAccount> {
  const storage = network.storage
  const id = newId('acc')
  await storage.accounts.create({ id, name, email: `${id}@accounts.example`, roles, status: 'active', passwordHash: null })
  const key = newApiKey()
  await storage.apiKeys.create({ id: newId('key'), accountId: id, name: 'test', prefix: key.prefix, hash: key.hash })
  return { id, key: key.key, call: client(network.url, key.key) }
}

export async function campaign(storage: Storage, advertiserId: string, name: string, currency = 'EUR'): Promise<string> {
  const c = await storage.campaigns.create({
    id: newId('cmp'), advertiserId, name, description: `${name} offer`, status: 'active', currency, landingUrls: ['https://landing.example/'],
    cookieWindowDays: 30, holdDays: 30, attribution: 'last_click', saleRule: { kind: 'percent', basisPoints: 500 }, leadRule: { kind: 'fixed', amount: 100 },
  })
  return c.id
}

/** A message the network sent in the shop's name at `sentAt`, carrying these campaigns. */
export async function sentMessage(storage: Storage, shopId: string, recipient: string, sentAt: Date, campaignIds: string[],
  options: { tags?: string[]; channel?: Channel } = {}): Promise<Message> {
  const { message } = await storage.messages.insertIfAbsent({
    id: newId('msg'), accountId: shopId, orderId: newId('ord'), channel: options.channel ?? 'email', recipient, subject: 'Offers',
    tags: options.tags ?? ['offer-email'], campaignIds, status: 'queued',
  })
  return (await storage.messages.update(message.id, ['queued'], { status: 'sent', sentAt, providerId: `<${randomUUID()}@mg.network.example>` }))!
}

export const sign = (timestamp: string, token: string, key = signingKey) => createHmac('sha256', key).update(timestamp + token).digest('hex')

export interface WebhookEvent {
  event: string
  at: Date
  message?: Message
  /** Mailgun's event id; a fresh one when omitted. */
  id?: string
  severity?: string
  /** Leave out the `v:message` variable (Mailgun events of emails sent without it). */
  withoutVariable?: boolean
}

/** The JSON Mailgun posts, signed now (or as told). */
export function webhookBody(e: WebhookEvent, signature: { timestamp?: string; token?: string; signature?: string } = {}) {
  const timestamp = signature.timestamp ?? String(Math.floor(Date.now() / 1000))
  const token = signature.token ?? randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', '')
  return {
    signature: { timestamp, token, signature: signature.signature ?? sign(timestamp, token) },
    'event-data': {
      id: e.id ?? randomUUID(),
      event: e.event,
      timestamp: e.at.getTime() / 1000,
      recipient: e.message?.recipient ?? 'someone@example.com',
      tags: e.message?.tags ?? [],
      ...(e.severity && { severity: e.severity }),
      message: { headers: { 'message-id': e.message?.providerId?.replace(/^<|>$/g, '') ?? 'unknown@mg.network.example' } },
      'user-variables': e.withoutVariable || !e.message ? {} : { message: e.message.id, order: 'A-1' },
    },
  }
}

export async function postWebhook(network: TestNetwork, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${network.url}/webhooks/mailgun`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}

export const hoursAgo = (h: number, from = Date.now()) => new Date(from - h * 3_600_000)
