// Tenant isolation and API keys: another account's campaign, link, tracking code, conversion, key, ledger or
// request log answers exactly like a missing one; roles gate what an account may create; keys are stored
// only as hashes and stop working once revoked.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashApiKey } from '../../server/src/ids.js'
import { browserAgent, campaignBody, client, startApiNetwork, type Answer, type ApiNetwork, type Call } from './support.js'

let api: ApiNetwork
type Tenant = { id: string; key: string; call: Call }
let advertiserA: Tenant
let advertiserB: Tenant
let publisherA: Tenant
let publisherB: Tenant
/** A's resources, set up once. */
const a = { campaign: '', pausedCampaign: '', trackingCode: '', link: '', conversion: '', apiKey: '' }

beforeAll(async () => {
  // On disk: the last test reads every byte the embedded database wrote.
  api = await startApiNetwork({ disk: true })
  ;[advertiserA, advertiserB, publisherA, publisherB] = await Promise.all([
    api.account(['advertiser'], 'Advertiser A'), api.account(['advertiser'], 'Advertiser B'),
    api.account(['publisher'], 'Publisher A'), api.account(['publisher'], 'Publisher B'),
  ])
  a.campaign = (await advertiserA.call('POST', '/campaigns', campaignBody({ holdDays: 30 }))).body.campaign.id
  a.pausedCampaign = (await advertiserA.call('POST', '/campaigns', campaignBody({ status: 'paused' }))).body.campaign.id
  a.trackingCode = (await advertiserA.call('POST', '/tracking-codes', { campaignId: a.campaign, name: 'A code' })).body.trackingCode.id
  const link = (await publisherA.call('POST', '/links', { campaignId: a.campaign })).body.link
  a.link = link.id
  const click = await fetch(link.url, { redirect: 'manual', headers: { 'user-agent': browserAgent } })
  const clickId = new URL(click.headers.get('location')!).searchParams.get('nclid')
  const sale = await advertiserA.call('POST', '/conversions', { orderId: 'A-1', amount: '80.00', currency: 'EUR', clickId, customerEmail: 'buyer@example.com' })
  a.conversion = sale.body.conversion.id
  a.apiKey = (await advertiserA.call('POST', '/api-keys', { name: 'second' })).body.apiKey.id
})
afterAll(async () => {
  await api.network.destroy()
})

/** Both answers are the same 404: a foreign id tells nothing a missing one does not. */
async function sameAsMissing(foreign: Promise<Answer>, missing: Promise<Answer>) {
  const [f, m] = await Promise.all([foreign, missing])
  expect(f.status).toBe(404)
  expect(f.body).toEqual(m.body)
}

describe('tenant isolation', () => {
  it('hides another advertiser\'s campaigns and their overrides', async () => {
    const b = advertiserB.call
    await sameAsMissing(b('GET', `/campaigns/${a.pausedCampaign}`), b('GET', '/campaigns/cmp_missing'))
    await sameAsMissing(b('PATCH', `/campaigns/${a.campaign}`, { name: 'Mine now' }), b('PATCH', '/campaigns/cmp_missing', { name: 'Mine now' }))
    await sameAsMissing(b('GET', `/campaigns/${a.campaign}/overrides`), b('GET', '/campaigns/cmp_missing/overrides'))
    await sameAsMissing(
      b('PUT', `/campaigns/${a.campaign}/overrides/${publisherB.id}`, { saleRule: { kind: 'percent', percent: 90 } }),
      b('PUT', `/campaigns/cmp_missing/overrides/${publisherB.id}`, { saleRule: { kind: 'percent', percent: 90 } }),
    )
    await sameAsMissing(b('DELETE', `/campaigns/${a.campaign}/overrides/${publisherA.id}`), b('DELETE', `/campaigns/cmp_missing/overrides/${publisherA.id}`))
    expect((await b('GET', '/campaigns')).body.campaigns).toEqual([])
    // A publisher sees an active campaign's public face only, and a paused one not at all.
    expect((await publisherB.call('GET', `/campaigns/${a.campaign}`)).body.campaign).not.toHaveProperty('advertiserId')
    await sameAsMissing(publisherB.call('GET', `/campaigns/${a.pausedCampaign}`), publisherB.call('GET', '/campaigns/cmp_missing'))
    expect((await advertiserA.call('GET', `/campaigns/${a.campaign}`)).body.campaign.name).toBe('Spring sale')
  })

  it('hides another advertiser\'s tracking codes, and refuses its campaigns for new ones', async () => {
    const b = advertiserB.call
    await sameAsMissing(b('GET', `/tracking-codes/${a.trackingCode}`), b('GET', '/tracking-codes/tc_missing'))
    await sameAsMissing(b('PATCH', `/tracking-codes/${a.trackingCode}`, { rotateSecret: true }), b('PATCH', '/tracking-codes/tc_missing', { rotateSecret: true }))
    expect((await b('GET', '/tracking-codes')).body.trackingCodes).toEqual([])
    const foreign = await b('POST', '/tracking-codes', { campaignId: a.campaign, name: 'steal' })
    const missing = await b('POST', '/tracking-codes', { campaignId: 'cmp_missing', name: 'steal' })
    expect(foreign.status).toBe(400)
    expect(foreign.body).toEqual(missing.body)
  })

  it('hides another publisher\'s links', async () => {
    const b = publisherB.call
    await sameAsMissing(b('GET', `/links/${a.link}`), b('GET', '/links/lnk_missing'))
    await sameAsMissing(b('PATCH', `/links/${a.link}`, { status: 'paused' }), b('PATCH', '/links/lnk_missing', { status: 'paused' }))
    expect((await b('GET', '/links')).body.links).toEqual([])
    expect((await publisherA.call('GET', `/links/${a.link}`)).body.link.status).toBe('active')
  })

  it('hides conversions from everyone but their advertiser and credited publisher', async () => {
    for (const b of [advertiserB.call, publisherB.call]) {
      await sameAsMissing(b('GET', `/conversions/${a.conversion}`), b('GET', '/conversions/cnv_missing'))
      expect((await b('GET', '/conversions')).body.conversions).toEqual([])
    }
    for (const action of ['approve', 'decline', 'refund']) {
      await sameAsMissing(advertiserB.call('POST', `/conversions/${a.conversion}/${action}`), advertiserB.call('POST', `/conversions/cnv_missing/${action}`))
    }
    const credited = await publisherA.call('GET', `/conversions/${a.conversion}`)
    expect(credited.body.conversion).toMatchObject({ id: a.conversion, publisherId: publisherA.id, commission: { formatted: '10.00' } })
    expect(credited.body.conversion).not.toHaveProperty('customerEmail')
    // The credited publisher may look, not decide.
    expect((await publisherA.call('POST', `/conversions/${a.conversion}/approve`)).status).toBe(403)
    expect((await advertiserA.call('GET', `/conversions/${a.conversion}`)).body.conversion.status).toBe('pending')
  })

  it('keeps balances, ledgers, request logs and API keys to their owner', async () => {
    expect((await publisherB.call('GET', '/balance')).body.balances).toEqual([])
    expect((await publisherB.call('GET', '/ledger')).body.entries).toEqual([])
    expect((await publisherA.call('GET', '/balance')).body.balances[0].pending.formatted).toBe('10.00')
    expect((await advertiserB.call('GET', `/request-log?trackingCodeId=${a.trackingCode}`)).body.entries).toEqual([])
    expect((await advertiserB.call('GET', '/request-log')).body.entries).toEqual([])
    expect((await advertiserA.call('GET', '/request-log')).body.entries.length).toBeGreaterThan(0)
    await sameAsMissing(advertiserB.call('DELETE', `/api-keys/${a.apiKey}`), advertiserB.call('DELETE', '/api-keys/key_missing'))
    expect((await advertiserB.call('GET', '/api-keys')).body.apiKeys.map((k: { id: string }) => k.id)).not.toContain(a.apiKey)
  })
})

describe('roles', () => {
  it('lets only advertisers create campaigns and tracking codes, and only publishers create links', async () => {
    const noCampaign = await publisherA.call('POST', '/campaigns', campaignBody())
    expect(noCampaign.status).toBe(403)
    expect(noCampaign.body.error.code).toBe('forbidden')
    expect((await publisherA.call('POST', '/tracking-codes', { campaignId: a.campaign, name: 'x' })).status).toBe(403)
    expect((await publisherA.call('PATCH', `/campaigns/${a.campaign}`, { name: 'x' })).status).toBe(403)
    expect((await advertiserA.call('POST', '/links', { campaignId: a.campaign })).status).toBe(403)
    expect((await advertiserA.call('GET', '/links')).status).toBe(403)
    expect((await advertiserA.call('POST', '/accounts', { name: 'x', email: 'x@example.com', roles: ['admin'] })).status).toBe(403)
  })

  it('lets an account with both roles do both', async () => {
    const both = await api.account(['advertiser', 'publisher'], 'Both')
    const campaign = await both.call('POST', '/campaigns', campaignBody())
    expect(campaign.status).toBe(201)
    expect((await both.call('POST', '/tracking-codes', { campaignId: campaign.body.campaign.id, name: 'own' })).status).toBe(201)
    expect((await both.call('POST', '/links', { campaignId: a.campaign })).status).toBe(201)
    expect((await both.call('GET', '/campaigns')).body.campaigns.map((c: { id: string }) => c.id)).toEqual([campaign.body.campaign.id])
    expect((await both.call('GET', '/campaigns?as=publisher')).body.campaigns.map((c: { id: string }) => c.id)).toContain(a.campaign)
  })
})

describe('API keys', () => {
  it('stop working once revoked', async () => {
    const created = await advertiserA.call('POST', '/api-keys', { name: 'short-lived' })
    const key = client(api.network.url, created.body.apiKey.key)
    expect((await key('GET', '/me')).status).toBe(200)
    expect((await advertiserA.call('DELETE', `/api-keys/${created.body.apiKey.id}`)).status).toBe(204)
    const after = await key('GET', '/me')
    expect(after.status).toBe(401)
    expect(after.body.error.code).toBe('bad_api_key')
  })

  it('are stored only as hashes: the key text is nowhere in the store or its files', async () => {
    const created = await advertiserA.call('POST', '/api-keys', { name: 'scanned' })
    const key: string = created.body.apiKey.key
    expect((await client(api.network.url, key)('GET', '/me')).status).toBe(200)
    const stored = await api.network.storage.apiKeys.listByAccount(advertiserA.id)
    expect(stored.find((k) => k.id === created.body.apiKey.id)?.hash).toBe(hashApiKey(key))
    expect(JSON.stringify(stored)).not.toContain(key)
    expect(JSON.stringify(await api.network.storage.requestLog.list({ advertiserId: advertiserA.id, limit: 500 }))).not.toContain(key)

    // Every byte the embedded database wrote, after a clean stop.
    await api.network.stop()
    const files: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else files.push(path)
      }
    }
    walk(api.network.dataDir)
    const contents = files.map((f) => readFileSync(f))
    expect(contents.some((c) => c.includes(hashApiKey(key)))).toBe(true)
    expect(contents.some((c) => c.includes(key) || c.includes(key.slice(3)))).toBe(false)
  })
})
