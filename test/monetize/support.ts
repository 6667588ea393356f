// What the offer-email tests set up alike: a shop or advertiser account with an API key, an advertiser's
// campaign paying a fixed commission per lead, and the network's settings for Mailgun pointed at the fake.
import { newApiKey, newId } from '../../server/src/ids.js'
import type { Campaign, Storage } from '../../server/src/storage/types.js'
import type { FakeMailgun } from '../support/fakeMailgun.js'

/** An active account with the roles given and an API key; `key` is the secret a shop's server sends. */
export async function account(storage: Storage, name: string, roles: ('advertiser' | 'publisher')[]) {
  const id = newId('acc')
  await storage.accounts.create({ id, name, email: `${id}@shops.example`, roles, status: 'active', passwordHash: null })
  const key = newApiKey()
  await storage.apiKeys.create({ id: newId('key'), accountId: id, name: 'k', prefix: key.prefix, hash: key.hash })
  return { id, key: key.key }
}

/** A 30-day, 30-day-hold campaign in EUR paying `lead` minor units per lead; its id. */
export async function leadCampaign(
  storage: Storage, advertiserId: string, name: string, lead: number,
  options: Partial<Pick<Campaign, 'status' | 'description' | 'saleRule'>> = {},
): Promise<string> {
  const slug = name.toLowerCase().replace(/\W/g, '')
  return (await storage.campaigns.create({
    id: newId('cmp'), advertiserId, name, description: options.description ?? `${name} offer`, status: options.status ?? 'active', currency: 'EUR',
    landingUrls: [`https://${slug}.example/welcome`], cookieWindowDays: 30, holdDays: 30, attribution: 'last_click',
    saleRule: options.saleRule ?? null, leadRule: { kind: 'fixed', amount: lead },
  })).id
}

/** The network's environment for sending through the fake Mailgun. */
export const mailgunEnv = (mailgun: FakeMailgun): Record<string, string> =>
  ({ MAILGUN_API_KEY: 'key-test-123', MAILGUN_DOMAIN: 'mg.network.example', MAILGUN_URL: mailgun.url })
