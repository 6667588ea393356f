// Demo data for `npm start`: an advertiser (the demo shop), a publisher, an admin, a campaign, a link and a
// tracking code. Idempotent: fixed ids, created only when missing, so restarts keep (and reuse) the data.
import type { Config } from '../config.js'
import { derivedKey, hashApiKey } from '../ids.js'
import type { Account, Storage } from '../storage/types.js'
import { UniqueViolation } from '../storage/types.js'

export const demo = {
  advertiserId: 'acc_demo_advertiser',
  publisherId: 'acc_demo_publisher',
  adminId: 'acc_demo_admin',
  campaignId: 'cmp_demo_shop',
  linkCode: 'demo-link',
  trackingCode: 'TCDEMOSHOP',
} as const

export interface DemoCredentials {
  accounts: { role: string; email: string; apiKey: string }[]
  linkUrl: string
  trackingCode: string
}

async function ensure<T>(existing: Promise<T | null>, create: () => Promise<T>): Promise<T> {
  const found = await existing
  if (found) return found
  try {
    return await create()
  } catch (error) {
    // Another process seeded it at the same moment.
    if (error instanceof UniqueViolation) return (await existing) as T
    throw error
  }
}

export async function seedDemo(storage: Storage, config: Config, demoShopUrl: string): Promise<DemoCredentials> {
  const accounts: [string, Omit<Account, 'createdAt' | 'passwordHash'>][] = [
    ['advertiser', { id: demo.advertiserId, name: 'Demo Shop', email: 'shop@demo.example', roles: ['advertiser', 'publisher'], status: 'active' }],
    ['publisher', { id: demo.publisherId, name: 'Demo Publisher', email: 'publisher@demo.example', roles: ['publisher'], status: 'active' }],
    ['admin', { id: demo.adminId, name: 'Network Admin', email: 'admin@demo.example', roles: ['admin'], status: 'active' }],
  ]
  const credentials: DemoCredentials['accounts'] = []
  for (const [role, account] of accounts) {
    await ensure(storage.accounts.get(account.id), () => storage.accounts.create({ ...account, passwordHash: null }))
    const apiKey = derivedKey(config.cookieSecret, `demo-api-key:${account.id}`)
    const hash = hashApiKey(apiKey)
    await ensure(storage.apiKeys.findActiveByHash(hash), () =>
      storage.apiKeys.create({ id: `key_${account.id}`, accountId: account.id, name: 'demo key', prefix: apiKey.slice(0, 10), hash }))
    credentials.push({ role, email: account.email, apiKey })
  }
  const landing = `${demoShopUrl}/`
  await ensure(storage.campaigns.get(demo.campaignId), () =>
    storage.campaigns.create({
      id: demo.campaignId, advertiserId: demo.advertiserId, name: 'Demo Shop — all products',
      description: 'Hand-picked goods from the demo shop, 10 % commission on every sale.', status: 'active', currency: 'EUR',
      landingUrls: [landing], cookieWindowDays: 30, holdDays: 0, attribution: 'last_click',
      saleRule: { kind: 'percent', basisPoints: 1000 }, leadRule: { kind: 'fixed', amount: 50 },
    }))
  await ensure(storage.links.getByCode(demo.linkCode), () =>
    storage.links.create({
      id: 'lnk_demo', code: demo.linkCode, campaignId: demo.campaignId, advertiserId: demo.advertiserId,
      publisherId: demo.publisherId, landingUrl: landing, status: 'active',
    }))
  await ensure(storage.trackingCodes.getByCode(demo.trackingCode), () =>
    storage.trackingCodes.create({
      id: 'tc_demo', code: demo.trackingCode, advertiserId: demo.advertiserId, campaignId: demo.campaignId,
      name: 'Demo Shop thank-you page', method: 'GET', redirectUrl: `${demoShopUrl}/thank-you`,
      postbackSecret: derivedKey(config.cookieSecret, 'demo-postback'), status: 'active',
    }))
  return { accounts: credentials, linkUrl: `${config.publicUrl}/c/${demo.linkCode}`, trackingCode: demo.trackingCode }
}
