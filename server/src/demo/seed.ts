// Demo data for `npm start`: an advertiser (the demo shop), a publisher, an admin, a campaign, a link and a
// tracking code; a second advertiser (Demo Garden, where the shop's offer emails lead) with its campaign, and
// the demo publisher's link to it; a POST-form tracking code for the shop's classic checkout.
// Idempotent: fixed ids, created only when missing, so restarts keep (and reuse) the data.
import type { Config } from '../config.js'
import { derivedKey, hashApiKey } from '../ids.js'
import { hashPassword } from '../accounts/passwords.js'
import type { Account, Storage } from '../storage/types.js'
import { UniqueViolation } from '../storage/types.js'

export const demo = {
  advertiserId: 'acc_demo_advertiser',
  publisherId: 'acc_demo_publisher',
  adminId: 'acc_demo_admin',
  campaignId: 'cmp_demo_shop',
  linkCode: 'demo-link',
  trackingCode: 'TCDEMOSHOP',
  formTrackingCode: 'TCDEMOFORM',
  gardenId: 'acc_demo_garden',
  gardenCampaignId: 'cmp_demo_garden',
  gardenLinkCode: 'demo-garden-link',
  gardenTrackingCode: 'TCDEMOGARDEN',
} as const

export interface DemoCredentials {
  /** `password` signs in to the portal (/portal); it is derived from the cookie secret, like the API key. */
  accounts: { role: string; email: string; apiKey: string; password: string }[]
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

export async function seedDemo(
  storage: Storage, config: Config, demoShopUrl: string, demoGardenUrl = `http://127.0.0.1:${config.DEMO_GARDEN_PORT}`,
): Promise<DemoCredentials> {
  const accounts: [string, Omit<Account, 'createdAt' | 'passwordHash'>][] = [
    ['advertiser', { id: demo.advertiserId, name: 'Demo Shop', email: 'shop@demo.example', roles: ['advertiser', 'publisher'], status: 'active' }],
    ['publisher', { id: demo.publisherId, name: 'Demo Publisher', email: 'publisher@demo.example', roles: ['publisher'], status: 'active' }],
    ['admin', { id: demo.adminId, name: 'Network Admin', email: 'admin@demo.example', roles: ['admin'], status: 'active' }],
    ['garden', { id: demo.gardenId, name: 'Demo Garden', email: 'garden@demo.example', roles: ['advertiser'], status: 'active' }],
  ]
  const credentials: DemoCredentials['accounts'] = []
  for (const [role, account] of accounts) {
    const password = derivedKey(config.cookieSecret, `demo-password:${account.id}`).slice(3, 19)
    const stored = await ensure(storage.accounts.get(account.id), async () => storage.accounts.create({ ...account, passwordHash: await hashPassword(password) }))
    // Only an account without a password gets one: a password changed in the portal is kept.
    if (!stored.passwordHash) await storage.accounts.update(account.id, { passwordHash: await hashPassword(password) })
    const apiKey = derivedKey(config.cookieSecret, `demo-api-key:${account.id}`)
    const hash = hashApiKey(apiKey)
    await ensure(storage.apiKeys.findActiveByHash(hash), () =>
      storage.apiKeys.create({ id: `key_${account.id}`, accountId: account.id, name: 'demo key', prefix: apiKey.slice(0, 10), hash }))
    credentials.push({ role, email: account.email, apiKey, password })
  }
  const landing = `${demoShopUrl}/`
  const shopCampaign = await ensure(storage.campaigns.get(demo.campaignId), () =>
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
  const shopCode = await ensure(storage.trackingCodes.getByCode(demo.trackingCode), () =>
    storage.trackingCodes.create({
      id: 'tc_demo', code: demo.trackingCode, advertiserId: demo.advertiserId, campaignId: demo.campaignId,
      name: 'Demo Shop thank-you page', method: 'GET', redirectUrl: `${demoShopUrl}/thank-you`,
      postbackSecret: derivedKey(config.cookieSecret, 'demo-postback'), status: 'active',
    }))
  const formCode = await ensure(storage.trackingCodes.getByCode(demo.formTrackingCode), () =>
    storage.trackingCodes.create({
      id: 'tc_demo_form', code: demo.formTrackingCode, advertiserId: demo.advertiserId, campaignId: demo.campaignId,
      name: 'Demo Shop classic checkout (form)', method: 'POST', redirectUrl: `${demoShopUrl}/thank-you`,
      postbackSecret: derivedKey(config.cookieSecret, 'demo-postback-form'), status: 'active',
    }))
  const gardenLanding = `${demoGardenUrl}/`
  const gardenCampaign = await ensure(storage.campaigns.get(demo.gardenCampaignId), () =>
    storage.campaigns.create({
      id: demo.gardenCampaignId, advertiserId: demo.gardenId, name: 'Demo Garden — 10 % off your first order',
      description: 'Heirloom seeds and honest tools for balconies and small gardens. 10 % off your first order.', status: 'active',
      currency: 'EUR', landingUrls: [gardenLanding], cookieWindowDays: 30, holdDays: 0, attribution: 'last_click',
      saleRule: { kind: 'percent', basisPoints: 800 }, leadRule: { kind: 'fixed', amount: 100 },
    }))
  await ensure(storage.links.getByCode(demo.gardenLinkCode), () =>
    storage.links.create({
      id: 'lnk_demo_garden', code: demo.gardenLinkCode, campaignId: demo.gardenCampaignId, advertiserId: demo.gardenId,
      publisherId: demo.publisherId, landingUrl: gardenLanding, status: 'active',
    }))
  const gardenCode = await ensure(storage.trackingCodes.getByCode(demo.gardenTrackingCode), () =>
    storage.trackingCodes.create({
      id: 'tc_demo_garden', code: demo.gardenTrackingCode, advertiserId: demo.gardenId, campaignId: demo.gardenCampaignId,
      name: 'Demo Garden thank-you page', method: 'GET', redirectUrl: `${demoGardenUrl}/thank-you`,
      postbackSecret: derivedKey(config.cookieSecret, 'demo-postback-garden'), status: 'active',
    }))
  // The demo sites move when their ports change: the demo campaigns and codes follow them (a link whose landing
  // URL is no longer registered falls back to the campaign's first one).
  for (const [campaign, url] of [[shopCampaign, landing], [gardenCampaign, gardenLanding]] as const) {
    if (!campaign.landingUrls.includes(url)) await storage.campaigns.update(campaign.id, { landingUrls: [url] })
  }
  for (const [code, url] of [[shopCode, `${demoShopUrl}/thank-you`], [formCode, `${demoShopUrl}/thank-you`], [gardenCode, `${demoGardenUrl}/thank-you`]] as const) {
    if (code.redirectUrl !== url) await storage.trackingCodes.update(code.id, { redirectUrl: url })
  }
  return { accounts: credentials, linkUrl: `${config.publicUrl}/c/${demo.linkCode}`, trackingCode: demo.trackingCode }
}
