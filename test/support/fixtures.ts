// Builds the actors of a tracking scenario directly in storage: an advertiser with a campaign and a tracking
// code, and a publisher with a link.
import { newApiKey, newId, newLinkCode, newSecret, newTrackingCode } from '../../server/src/ids.js'
import type { Campaign, Storage } from '../../server/src/storage/types.js'

export interface Scenario {
  advertiserId: string
  advertiserKey: string
  publisherId: string
  publisherKey: string
  campaign: Campaign
  linkCode: string
  trackingCode: string
  postbackSecret: string
  landingUrl: string
}

export async function createScenario(storage: Storage, campaign: Partial<Campaign> = {}): Promise<Scenario> {
  const account = async (roles: ('advertiser' | 'publisher')[]) => {
    const id = newId('acc')
    await storage.accounts.create({ id, name: `Test ${roles[0]}`, email: `${id}@example.com`, roles, status: 'active', passwordHash: null })
    const key = newApiKey()
    await storage.apiKeys.create({ id: newId('key'), accountId: id, name: 'test', prefix: key.prefix, hash: key.hash })
    return { id, key: key.key }
  }
  const advertiser = await account(['advertiser'])
  const publisher = await account(['publisher'])
  const landingUrl = 'https://shop.example/landing?ref=network'
  const created = await storage.campaigns.create({
    id: newId('cmp'), advertiserId: advertiser.id, name: 'Test campaign', description: 'Test offer', status: 'active',
    currency: 'EUR', landingUrls: [landingUrl, 'https://shop.example/other'], cookieWindowDays: 30, holdDays: 0,
    attribution: 'last_click', saleRule: { kind: 'percent', basisPoints: 1000 }, leadRule: { kind: 'fixed', amount: 150 },
    ...campaign,
  })
  const linkCode = newLinkCode()
  await storage.links.create({ id: newId('lnk'), code: linkCode, campaignId: created.id, advertiserId: advertiser.id, publisherId: publisher.id, landingUrl, status: 'active' })
  const trackingCode = newTrackingCode()
  const postbackSecret = newSecret()
  await storage.trackingCodes.create({
    id: newId('tc'), code: trackingCode, advertiserId: advertiser.id, campaignId: created.id, name: 'Thank-you page',
    method: 'POST', redirectUrl: 'https://shop.example/thank-you', postbackSecret, status: 'active',
  })
  return {
    advertiserId: advertiser.id, advertiserKey: advertiser.key, publisherId: publisher.id, publisherKey: publisher.key,
    campaign: created, linkCode, trackingCode, postbackSecret, landingUrl,
  }
}

/** Follows a tracked link without following the redirect; returns the click id and the network cookie. */
export async function clickLink(base: string, code: string, init: { query?: string; userAgent?: string; cookie?: string } = {}) {
  const res = await fetch(`${base}/c/${code}${init.query ?? ''}`, {
    redirect: 'manual',
    headers: { 'user-agent': init.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0', ...(init.cookie && { cookie: init.cookie }) },
  })
  const location = res.headers.get('location')
  const setCookie = res.headers.get('set-cookie')
  return {
    status: res.status,
    location,
    clickId: location ? new URL(location).searchParams.get('nclid') : null,
    cookie: setCookie ? setCookie.split(';')[0]! : null,
    setCookie,
    body: location ? '' : await res.text(),
  }
}
