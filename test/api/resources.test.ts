// Every management endpoint's happy path, and the bad input each one refuses with a 400 naming the field.
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { campaignBody, client, startApiNetwork, type ApiNetwork, type Call } from './support.js'

let api: ApiNetwork
beforeAll(async () => {
  api = await startApiNetwork()
})
afterAll(async () => {
  await api.network.destroy()
})

/** Expects a 400 whose error names `field`. */
async function refuses(answer: Promise<{ status: number; body: any }>, field: string, status = 400) {
  const { status: got, body } = await answer
  expect({ status: got, field: body?.error?.field }).toEqual({ status, field })
  expect(typeof body.error.message).toBe('string')
  return body.error as { code: string; message: string; field: string }
}

describe('me and API keys', () => {
  it('shows the account without its password hash', async () => {
    const me = await api.shop('GET', '/me')
    expect(me.status).toBe(200)
    expect(me.body.account).toMatchObject({ id: 'acc_demo_advertiser', email: 'shop@demo.example', roles: ['advertiser', 'publisher'], status: 'active' })
    expect(me.body.account).not.toHaveProperty('passwordHash')
  })

  it('creates a key shown once, lists keys without secrets, and revokes only its own', async () => {
    const created = await api.publisher('POST', '/api-keys', { name: 'reporting script' })
    expect(created.status).toBe(201)
    const key = created.body.apiKey
    expect(key.key).toMatch(/^nw_[A-Za-z0-9_-]{43}$/)
    expect(key.prefix).toBe(key.key.slice(0, 10))
    expect((await client(api.network.url, key.key)('GET', '/me')).body.account.id).toBe('acc_demo_publisher')

    const list = await api.publisher('GET', '/api-keys')
    expect(list.status).toBe(200)
    const listed = list.body.apiKeys.find((k: { id: string }) => k.id === key.id)
    expect(listed).toEqual({ id: key.id, name: 'reporting script', prefix: key.prefix, createdAt: key.createdAt, revokedAt: null })
    expect(JSON.stringify(list.body)).not.toContain(key.key)
    expect(JSON.stringify(list.body)).not.toMatch(/hash/i)

    expect((await api.shop('DELETE', `/api-keys/${key.id}`)).status).toBe(404)
    expect((await api.publisher('DELETE', `/api-keys/${key.id}`)).status).toBe(204)
    expect((await api.publisher('DELETE', `/api-keys/${key.id}`)).status).toBe(404)
    const revoked = (await api.publisher('GET', '/api-keys')).body.apiKeys.find((k: { id: string }) => k.id === key.id)
    expect(revoked.revokedAt).not.toBeNull()
  })

  it('refuses bad key names and non-JSON bodies', async () => {
    await refuses(api.shop('POST', '/api-keys', {}), 'name')
    await refuses(api.shop('POST', '/api-keys', { name: 'x'.repeat(201) }), 'name')
    await refuses(api.shop('POST', '/api-keys', { name: 'ok', admin: true }), 'admin')
    await refuses(api.shop('POST', '/api-keys', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 'content-type', 415)
    await refuses(api.shop('POST', '/api-keys', '{"name":', { 'content-type': 'application/json' }), 'body')
  })
})

describe('accounts (admin)', () => {
  it('lists, creates with a first key, approves and suspends', async () => {
    const list = await api.admin('GET', '/accounts')
    expect(list.status).toBe(200)
    expect(list.body.accounts.map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining(['acc_demo_advertiser', 'acc_demo_publisher', 'acc_demo_admin']))

    const created = await api.admin('POST', '/accounts', { name: 'New Publisher', email: 'New.Publisher@Example.com', roles: ['publisher'], status: 'pending' })
    expect(created.status).toBe(201)
    expect(created.body.account).toMatchObject({ name: 'New Publisher', email: 'new.publisher@example.com', roles: ['publisher'], status: 'pending' })
    const call = client(api.network.url, created.body.apiKey.key)
    expect((await call('GET', '/me')).status).toBe(403)

    const approved = await api.admin('PATCH', `/accounts/${created.body.account.id}`, { status: 'active' })
    expect(approved.body.account.status).toBe('active')
    expect((await call('GET', '/me')).status).toBe(200)
    expect((await api.admin('GET', `/accounts/${created.body.account.id}`)).body.account.status).toBe('active')

    await api.admin('PATCH', `/accounts/${created.body.account.id}`, { status: 'suspended' })
    expect((await call('GET', '/me')).body.error.code).toBe('account_inactive')
  })

  it('refuses a taken email, bad roles, unknown accounts and locking oneself out', async () => {
    const taken = await refuses(api.admin('POST', '/accounts', { name: 'Dup', email: 'SHOP@demo.example', roles: ['advertiser'] }), 'email', 409)
    expect(taken.code).toBe('email_taken')
    await refuses(api.admin('POST', '/accounts', { name: 'X', email: 'not-an-email', roles: ['advertiser'] }), 'email')
    await refuses(api.admin('POST', '/accounts', { name: 'X', email: 'x@example.com', roles: [] }), 'roles')
    await refuses(api.admin('POST', '/accounts', { name: 'X', email: 'x@example.com', roles: ['owner'] }), 'roles.0')
    await refuses(api.admin('POST', '/accounts', { name: 'X', email: 'x@example.com', roles: ['advertiser'], status: 'gone' }), 'status')
    await refuses(api.admin('PATCH', '/accounts/acc_demo_publisher', { status: 'banned' }), 'status')
    await refuses(api.admin('PATCH', '/accounts/acc_demo_publisher', {}), 'body')
    expect((await refuses(api.admin('PATCH', '/accounts/acc_demo_admin', { status: 'suspended' }), 'status', 409)).code).toBe('own_account')
    expect((await refuses(api.admin('PATCH', '/accounts/acc_demo_admin', { roles: ['publisher'] }), 'roles', 409)).code).toBe('own_account')
    expect((await api.admin('GET', '/accounts/acc_demo_admin')).body.account).toMatchObject({ status: 'active', roles: expect.arrayContaining(['admin']) })
    // Its name it may change.
    expect((await api.admin('PATCH', '/accounts/acc_demo_admin', { name: 'The Operator' })).body.account.name).toBe('The Operator')
    expect((await api.admin('PATCH', '/accounts/acc_nobody', { status: 'active' })).status).toBe(404)
  })

  it('is for admins only', async () => {
    expect((await api.shop('GET', '/accounts')).status).toBe(403)
    expect((await api.publisher('POST', '/accounts', { name: 'X', email: 'y@example.com', roles: ['admin'] })).status).toBe(403)
  })
})

describe('campaigns', () => {
  it('creates with defaults, stores percentages as basis points and fixed amounts as minor units', async () => {
    const res = await api.shop('POST', '/campaigns', campaignBody({ landingUrls: ['https://Shop.example/spring?x=1'], saleRule: { kind: 'percent', percent: 7.25 } }))
    expect(res.status).toBe(201)
    expect(res.body.campaign).toMatchObject({
      advertiserId: 'acc_demo_advertiser', name: 'Spring sale', description: '', status: 'active', currency: 'EUR',
      landingUrls: ['https://shop.example/spring?x=1'], cookieWindowDays: 30, holdDays: 30, attribution: 'last_click',
      saleRule: { kind: 'percent', percent: '7.25', basisPoints: 725 },
      leadRule: { kind: 'fixed', amount: { amount: 150, currency: 'EUR', formatted: '1.50' } },
    })
    const stored = await api.network.storage.campaigns.get(res.body.campaign.id)
    expect(stored).toMatchObject({ saleRule: { kind: 'percent', basisPoints: 725 }, leadRule: { kind: 'fixed', amount: 150 } })

    const jpy = await api.shop('POST', '/campaigns', campaignBody({ currency: 'jpy', saleRule: { kind: 'fixed', amount: '500' }, leadRule: null, attribution: 'first_click', cookieWindowDays: 7, holdDays: 0 }))
    expect(jpy.body.campaign).toMatchObject({ currency: 'JPY', saleRule: { kind: 'fixed', amount: { amount: 500, currency: 'JPY', formatted: '500' } }, leadRule: null, attribution: 'first_click', cookieWindowDays: 7, holdDays: 0 })
  })

  it('lists own campaigns for an advertiser and every active campaign, public fields only, for a publisher', async () => {
    const own = await api.shop('GET', '/campaigns')
    expect(own.status).toBe(200)
    expect(own.body.campaigns.every((c: { advertiserId: string }) => c.advertiserId === 'acc_demo_advertiser')).toBe(true)
    expect(own.body.campaigns[0]).toHaveProperty('holdDays')

    const paused = await api.shop('POST', '/campaigns', campaignBody({ name: 'Hidden', status: 'paused' }))
    const market = await api.publisher('GET', '/campaigns')
    expect(market.status).toBe(200)
    const ids = market.body.campaigns.map((c: { id: string }) => c.id)
    expect(ids).toContain('cmp_demo_shop')
    expect(ids).not.toContain(paused.body.campaign.id)
    expect(Object.keys(market.body.campaigns[0]).sort()).toEqual(['attribution', 'cookieWindowDays', 'currency', 'description', 'id', 'landingUrls', 'leadRule', 'name', 'saleRule'])

    // An account with both roles chooses its side.
    const asPublisher = await api.shop('GET', '/campaigns?as=publisher')
    expect(asPublisher.body.campaigns.map((c: { id: string }) => c.id)).toEqual(ids)
    expect((await api.publisher('GET', '/campaigns?as=advertiser')).status).toBe(403)
    await refuses(api.shop('GET', '/campaigns?as=buyer'), 'as')
  })

  it('shows one campaign in full with its overrides to its advertiser, and publicly when active', async () => {
    const full = await api.shop('GET', '/campaigns/cmp_demo_shop')
    expect(full.body.campaign).toMatchObject({ id: 'cmp_demo_shop', holdDays: 0, overrides: [] })
    const open = await api.publisher('GET', '/campaigns/cmp_demo_shop')
    expect(open.body.campaign).toMatchObject({ id: 'cmp_demo_shop', saleRule: { percent: '10' } })
    expect(open.body.campaign).not.toHaveProperty('holdDays')
  })

  it('updates its own campaign and the click path sees the change at once', async () => {
    const created = await api.shop('POST', '/campaigns', campaignBody())
    const id = created.body.campaign.id
    const link = await api.publisher('POST', '/links', { campaignId: id })
    expect((await fetch(link.body.link.url, { redirect: 'manual' })).status).toBe(302)

    const patched = await api.shop('PATCH', `/campaigns/${id}`, { status: 'paused', description: 'Spring\nsale', saleRule: { kind: 'fixed', amount: 5 } })
    expect(patched.status).toBe(200)
    expect(patched.body.campaign).toMatchObject({ status: 'paused', description: 'Spring\nsale', saleRule: { kind: 'fixed', amount: { amount: 500, formatted: '5.00' } } })
    expect((await fetch(link.body.link.url, { redirect: 'manual' })).status).toBe(404)
  })

  it('refuses a currency change that would silently reinterpret fixed amounts', async () => {
    const created = await api.shop('POST', '/campaigns', campaignBody())
    const id = created.body.campaign.id
    await refuses(api.shop('PATCH', `/campaigns/${id}`, { currency: 'JPY' }), 'currency')
    const changed = await api.shop('PATCH', `/campaigns/${id}`, { currency: 'JPY', leadRule: { amount: '150' } })
    expect(changed.body.campaign).toMatchObject({ currency: 'JPY', leadRule: { amount: { amount: 150, currency: 'JPY', formatted: '150' } } })
  })

  it('puts, lists and removes per-publisher overrides that change the commission', async () => {
    const created = await api.shop('POST', '/campaigns', campaignBody({ holdDays: 30 }))
    const id = created.body.campaign.id
    const put = await api.shop('PUT', `/campaigns/${id}/overrides/acc_demo_publisher`, { saleRule: { kind: 'percent', percent: '20' } })
    expect(put.status).toBe(200)
    expect(put.body.override).toEqual({ campaignId: id, publisherId: 'acc_demo_publisher', saleRule: { kind: 'percent', percent: '20', basisPoints: 2000 }, leadRule: null })
    expect((await api.shop('GET', `/campaigns/${id}/overrides`)).body.overrides).toHaveLength(1)
    expect((await api.shop('GET', `/campaigns/${id}`)).body.campaign.overrides).toHaveLength(1)

    const link = await api.publisher('POST', '/links', { campaignId: id })
    const click = await fetch(link.body.link.url, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 Firefox/128.0' } })
    const clickId = new URL(click.headers.get('location')!).searchParams.get('nclid')
    const sale = await api.shop('POST', '/conversions', { orderId: `OVR-${id}`, amount: '10.00', currency: 'EUR', clickId })
    expect(sale.body.conversion.commission.formatted).toBe('2.00')

    expect((await api.shop('DELETE', `/campaigns/${id}/overrides/acc_demo_publisher`)).status).toBe(204)
    expect((await api.shop('DELETE', `/campaigns/${id}/overrides/acc_demo_publisher`)).status).toBe(404)
    expect((await api.shop('PUT', `/campaigns/${id}/overrides/acc_demo_admin`, { saleRule: { kind: 'percent', percent: 1 } })).status).toBe(404)
    await refuses(api.shop('PUT', `/campaigns/${id}/overrides/acc_demo_publisher`, {}), 'saleRule')
    await refuses(api.shop('PUT', `/campaigns/${id}/overrides/acc_demo_publisher`, { leadRule: { amount: '-1' } }), 'leadRule.amount')
  })

  it('refuses bad campaigns, naming the field', async () => {
    const bad = (patch: Record<string, unknown>) => api.shop('POST', '/campaigns', campaignBody(patch))
    await refuses(bad({ name: undefined }), 'name')
    await refuses(bad({ name: '   ' }), 'name')
    await refuses(bad({ name: 'x'.repeat(201) }), 'name')
    await refuses(bad({ name: 42 }), 'name')
    await refuses(bad({ name: 'a\u0000b' }), 'name')
    await refuses(bad({ description: 'x'.repeat(2001) }), 'description')
    await refuses(bad({ currency: 'XYZ' }), 'currency')
    await refuses(bad({ currency: 'euro' }), 'currency')
    await refuses(bad({ landingUrls: [] }), 'landingUrls')
    await refuses(bad({ landingUrls: 'https://shop.example/' }), 'landingUrls')
    await refuses(bad({ landingUrls: ['not a url'] }), 'landingUrls.0')
    await refuses(bad({ landingUrls: ['https://shop.example/', 'javascript:alert(1)'] }), 'landingUrls.1')
    await refuses(bad({ landingUrls: ['ftp://shop.example/'] }), 'landingUrls.0')
    await refuses(bad({ landingUrls: ['/relative'] }), 'landingUrls.0')
    await refuses(bad({ landingUrls: ['https://user:pw@shop.example/'] }), 'landingUrls.0')
    await refuses(bad({ landingUrls: Array.from({ length: 21 }, (_, i) => `https://shop.example/${i}`) }), 'landingUrls')
    await refuses(bad({ cookieWindowDays: 0 }), 'cookieWindowDays')
    await refuses(bad({ cookieWindowDays: 366 }), 'cookieWindowDays')
    await refuses(bad({ cookieWindowDays: 2.5 }), 'cookieWindowDays')
    await refuses(bad({ cookieWindowDays: '30' }), 'cookieWindowDays')
    await refuses(bad({ holdDays: -1 }), 'holdDays')
    await refuses(bad({ attribution: 'linear' }), 'attribution')
    await refuses(bad({ status: 'deleted' }), 'status')
    await refuses(bad({ saleRule: { kind: 'percent', percent: '12.555' } }), 'saleRule.percent')
    await refuses(bad({ saleRule: { kind: 'percent', percent: '101' } }), 'saleRule.percent')
    await refuses(bad({ saleRule: { kind: 'percent', percent: -5 } }), 'saleRule.percent')
    await refuses(bad({ saleRule: { kind: 'percent', percent: '0' } }), 'saleRule.percent')
    await refuses(bad({ saleRule: { kind: 'percent', percent: true } }), 'saleRule.percent')
    await refuses(bad({ saleRule: { kind: 'percent' } }), 'saleRule.percent')
    await refuses(bad({ saleRule: { kind: 'bonus', amount: '1' } }), 'saleRule.kind')
    await refuses(bad({ saleRule: { kind: 'fixed', amount: '1e9' } }), 'saleRule.amount')
    await refuses(bad({ saleRule: { kind: 'fixed', amount: '99999999999' } }), 'saleRule.amount')
    await refuses(bad({ saleRule: { kind: 'fixed', amount: '5.001' } }), 'saleRule.amount')
    await refuses(bad({ leadRule: { amount: '-1.50' } }), 'leadRule.amount')
    await refuses(bad({ leadRule: { amount: '0' } }), 'leadRule.amount')
    await refuses(bad({ saleRule: null, leadRule: null }), 'saleRule')
    await refuses(bad({ advertiserId: 'acc_demo_publisher' }), 'advertiserId')
    await refuses(api.shop('POST', '/campaigns', '[1,2]', { 'content-type': 'application/json' }), 'body')
    await refuses(api.shop('POST', '/campaigns', 'name=x', { 'content-type': 'text/plain' }), 'content-type', 415)
    await refuses(api.shop('PATCH', '/campaigns/cmp_demo_shop', {}), 'body')
    await refuses(api.shop('PATCH', '/campaigns/cmp_demo_shop', { landingUrls: ['javascript:alert(1)'] }), 'landingUrls.0')
    await refuses(api.shop('PATCH', '/campaigns/cmp_demo_shop', { saleRule: null, leadRule: null }), 'saleRule')
    // A NUL byte in the path is refused before any look-up (issue 11: 400 naming the field, as in a query or body).
    expect((await refuses(api.shop('GET', '/campaigns/%00'), 'path')).code).toBe('nul_byte')
  })
})

describe('links', () => {
  it('creates a link to an active campaign, with the tracked URL and a note on sub-ids', async () => {
    const res = await api.publisher('POST', '/links', { campaignId: 'cmp_demo_shop' })
    expect(res.status).toBe(201)
    expect(res.body.link).toMatchObject({ campaignId: 'cmp_demo_shop', landingUrl: 'http://127.0.0.1:3001/', status: 'active' })
    expect(res.body.link.code).toMatch(/^[0-9a-z]{10}$/)
    expect(res.body.link.url).toBe(`${api.network.url}/c/${res.body.link.code}`)
    expect(res.body.note).toMatch(/sub1/)

    const campaign = await api.shop('POST', '/campaigns', campaignBody())
    const second = await api.publisher('POST', '/links', { campaignId: campaign.body.campaign.id, landingUrl: 'https://SHOP.example' })
    expect(second.body.link.landingUrl).toBe('https://shop.example/')

    const list = await api.publisher('GET', '/links')
    expect(list.status).toBe(200)
    expect(list.body.links.map((l: { id: string }) => l.id)).toEqual(expect.arrayContaining(['lnk_demo', res.body.link.id, second.body.link.id]))
    expect((await api.publisher('GET', `/links/${res.body.link.id}`)).body.link.code).toBe(res.body.link.code)
  })

  it('pauses and resumes a link, and the tracked URL follows at once', async () => {
    const link = (await api.publisher('POST', '/links', { campaignId: 'cmp_demo_shop' })).body.link
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(302)
    const paused = await api.publisher('PATCH', `/links/${link.id}`, { status: 'paused' })
    expect(paused.body.link.status).toBe('paused')
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(404)
    await api.publisher('PATCH', `/links/${link.id}`, { status: 'active' })
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(302)
  })

  it('refuses unknown or paused campaigns and unregistered landing URLs', async () => {
    const error = await refuses(api.publisher('POST', '/links', { campaignId: 'cmp_nope' }), 'campaignId')
    expect(error.code).toBe('unknown_campaign')
    const paused = await api.shop('POST', '/campaigns', campaignBody({ status: 'paused' }))
    await refuses(api.publisher('POST', '/links', { campaignId: paused.body.campaign.id }), 'campaignId')
    const landing = await refuses(api.publisher('POST', '/links', { campaignId: 'cmp_demo_shop', landingUrl: 'https://evil.example/' }), 'landingUrl')
    expect(landing.code).toBe('unknown_landing_url')
    await refuses(api.publisher('POST', '/links', { campaignId: 'cmp_demo_shop', landingUrl: 'javascript:alert(1)' }), 'landingUrl')
    await refuses(api.publisher('POST', '/links', {}), 'campaignId')
    await refuses(api.publisher('POST', '/links', { campaignId: ['cmp_demo_shop'] }), 'campaignId')
    await refuses(api.publisher('PATCH', '/links/lnk_demo', { status: 'deleted' }), 'status')
  })
})

describe('tracking codes', () => {
  it('creates GET and POST codes with a secret and snippets, lists and shows them', async () => {
    const get = await api.shop('POST', '/tracking-codes', { campaignId: 'cmp_demo_shop', name: 'Checkout pixel' })
    expect(get.status).toBe(201)
    const code = get.body.trackingCode
    expect(code).toMatchObject({ campaignId: 'cmp_demo_shop', name: 'Checkout pixel', method: 'GET', redirectUrl: null, status: 'active' })
    expect(code.code).toMatch(/^TC[0-9A-Z]{10}$/)
    expect(code.postbackSecret).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(Object.keys(code.snippets).sort()).toEqual(['conversionCall', 'curl', 'form', 'node', 'php', 'pixel', 'postbackSignature', 'postbackSignedUrl', 'postbackUrl', 'python', 'scriptTag'])
    expect(code.snippets.scriptTag).toContain(`<script async src="${api.network.url}/t.js" data-code="${code.code}"></script>`)
    expect(code.snippets.postbackUrl).toContain(`&token=${code.postbackSecret}`)
    expect(code.snippets.curl).toContain('"campaignId":"cmp_demo_shop"')

    const post = await api.shop('POST', '/tracking-codes', { campaignId: 'cmp_demo_shop', name: 'Form', method: 'POST', redirectUrl: 'https://shop.example/thanks' })
    expect(post.body.trackingCode).toMatchObject({ method: 'POST', redirectUrl: 'https://shop.example/thanks' })

    const list = await api.shop('GET', '/tracking-codes')
    expect(list.body.trackingCodes.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining(['tc_demo', code.id, post.body.trackingCode.id]))
    expect(list.body.trackingCodes.every((t: { snippets: object }) => t.snippets)).toBe(true)
    const one = await api.shop('GET', `/tracking-codes/${code.id}`)
    expect(one.body.trackingCode).toEqual(code)
  })

  it('renames, switches to POST, rotates the secret and pauses; the postback follows at once', async () => {
    const code = (await api.shop('POST', '/tracking-codes', { campaignId: 'cmp_demo_shop', name: 'Postback' })).body.trackingCode
    const postback = (secret: string) => fetch(`${api.network.url}/postback?t=${code.code}&nclid=AAAAAAAAAAAAAAAAAAAAAA&id=PB-${Math.random()}&amount=1.00&token=${secret}`)
    expect((await postback(code.postbackSecret)).status).toBe(201)

    const rotated = await api.shop('PATCH', `/tracking-codes/${code.id}`, { rotateSecret: true, name: 'Postback v2' })
    expect(rotated.status).toBe(200)
    expect(rotated.body.trackingCode.name).toBe('Postback v2')
    expect(rotated.body.trackingCode.postbackSecret).not.toBe(code.postbackSecret)
    expect((await postback(code.postbackSecret)).status).toBe(401)
    expect((await postback(rotated.body.trackingCode.postbackSecret)).status).toBe(201)

    await refuses(api.shop('PATCH', `/tracking-codes/${code.id}`, { method: 'POST' }), 'redirectUrl')
    const form = await api.shop('PATCH', `/tracking-codes/${code.id}`, { method: 'POST', redirectUrl: 'https://shop.example/thanks' })
    expect(form.body.trackingCode).toMatchObject({ method: 'POST', redirectUrl: 'https://shop.example/thanks' })

    await api.shop('PATCH', `/tracking-codes/${code.id}`, { status: 'paused' })
    expect((await postback(rotated.body.trackingCode.postbackSecret)).status).toBe(404)
  })

  it('gives snippets that the tracking endpoints accept as pasted', async () => {
    const code = (await api.shop('POST', '/tracking-codes', { campaignId: 'cmp_demo_shop', name: 'Snippets' })).body.trackingCode
    const fill = (template: string, orderId: string) => template.replace('{click_id}', 'AAAAAAAAAAAAAAAAAAAAAA').replace('{order_id}', orderId)
      .replace('{amount}', '19.95').replace('{currency}', 'EUR')
    const token = await fetch(fill(code.snippets.postbackUrl, 'SNIP-TOKEN'))
    expect(token.status).toBe(201)
    // The signature exactly as postbackSignature explains it.
    const ts = String(Math.floor(Date.now() / 1000))
    const signature = createHmac('sha256', code.postbackSecret).update([code.code, 'SNIP-HMAC', '19.95', 'EUR', 'AAAAAAAAAAAAAAAAAAAAAA', ts].join('|')).digest('hex')
    const signed = await fetch(fill(code.snippets.postbackSignedUrl, 'SNIP-HMAC').replace('{unix_time}', ts).replace('{signature}', signature))
    expect(signed.status).toBe(201)
    const pixelSrc = /src="([^"]+)"/.exec(code.snippets.pixel)![1]!.replaceAll('&amp;', '&').replace('ORDER_ID', 'SNIP-PIXEL')
    await fetch(pixelSrc)
    const form = new URLSearchParams([...code.snippets.form.matchAll(/name="(\w+)" value="([^"]+)"/g)].map((m) => [m[1], m[2] === 'ORDER_ID' ? 'SNIP-FORM' : m[2]]))
    await fetch(/action="([^"]+)"/.exec(code.snippets.form)![1]!, { method: 'POST', body: form, redirect: 'manual' })
    const recorded = await api.shop('GET', '/conversions?limit=10')
    expect(recorded.body.conversions.map((c: { orderId: string; source: string }) => `${c.source}:${c.orderId}`))
      .toEqual(expect.arrayContaining(['postback:SNIP-TOKEN', 'postback:SNIP-HMAC', 'pixel:SNIP-PIXEL', 'form:SNIP-FORM']))
  })

  it('refuses bad tracking codes, naming the field', async () => {
    await refuses(api.shop('POST', '/tracking-codes', { name: 'x' }), 'campaignId')
    await refuses(api.shop('POST', '/tracking-codes', { campaignId: 'cmp_nope', name: 'x' }), 'campaignId')
    await refuses(api.shop('POST', '/tracking-codes', { campaignId: 'cmp_demo_shop' }), 'name')
    await refuses(api.shop('POST', '/tracking-codes', { campaignId: 'cmp_demo_shop', name: 'x', method: 'PUT' }), 'method')
    await refuses(api.shop('POST', '/tracking-codes', { campaignId: 'cmp_demo_shop', name: 'x', method: 'POST' }), 'redirectUrl')
    await refuses(api.shop('POST', '/tracking-codes', { campaignId: 'cmp_demo_shop', name: 'x', method: 'POST', redirectUrl: 'javascript:alert(1)' }), 'redirectUrl')
    await refuses(api.shop('PATCH', '/tracking-codes/tc_demo', { rotateSecret: false }), 'rotateSecret')
    await refuses(api.shop('PATCH', '/tracking-codes/tc_demo', { postbackSecret: 'mine' }), 'postbackSecret')
  })
})

describe('conversions', () => {
  let shopConversion: string
  // The demo campaign approves at once (no hold period); these need conversions that stay pending.
  let campaignId: string
  const sell = (orderId: string, amount: string) => api.shop('POST', '/conversions', { orderId, amount, currency: 'EUR', campaignId })
  beforeAll(async () => {
    campaignId = (await api.shop('POST', '/campaigns', campaignBody({ name: 'Held', holdDays: 30 }))).body.campaign.id
  })

  it('lists with filters and shows one', async () => {
    const sale = await sell('LIST-1', '30.00')
    expect(sale.status).toBe(201)
    shopConversion = sale.body.conversion.id
    const all = await api.shop('GET', '/conversions')
    expect(all.status).toBe(200)
    expect(all.body.conversions[0].id).toBe(shopConversion)
    const pending = await api.shop('GET', `/conversions?status=pending&campaignId=${campaignId}&limit=1`)
    expect(pending.body.conversions).toHaveLength(1)
    const future = await api.shop('GET', `/conversions?from=${new Date(Date.now() + 86_400_000).toISOString()}`)
    expect(future.body.conversions).toEqual([])
    const today = new Date().toISOString().slice(0, 10)
    expect((await api.shop(`GET`, `/conversions?from=${today}&to=${today}`)).body.conversions.map((c: { id: string }) => c.id)).toContain(shopConversion)
    const one = await api.shop('GET', `/conversions/${shopConversion}`)
    expect(one.body.conversion).toMatchObject({ id: shopConversion, orderId: 'LIST-1', reason: 'no_click', publisherId: null })
  })

  it('declines a pending conversion with a reason, and refunds another in full', async () => {
    const declined = await api.shop('POST', `/conversions/${shopConversion}/decline`, { reason: 'test order' })
    expect(declined.status).toBe(200)
    expect(declined.body.conversion.status).toBe('declined')
    const sale = await sell('REFUND-ALL', '12.00')
    const refunded = await api.shop('POST', `/conversions/${sale.body.conversion.id}/refund`)
    expect(refunded.status).toBe(200)
    expect(refunded.body.conversion).toMatchObject({ status: 'reversed', refunded: { amount: 1200 } })
    const sale2 = await sell('CHARGEBACK', '12.00')
    const chargeback = await api.shop('POST', `/conversions/${sale2.body.conversion.id}/refund`, { kind: 'chargeback', amount: 2 })
    expect(chargeback.body.conversion).toMatchObject({ status: 'pending', refunded: { amount: 200 } })
  })

  it('refuses bad filters and actions, naming the field', async () => {
    await refuses(api.shop('GET', '/conversions?status=lost'), 'status')
    await refuses(api.shop('GET', '/conversions?from=yesterday'), 'from')
    await refuses(api.shop('GET', '/conversions?to=2025-13-45'), 'to')
    await refuses(api.shop('GET', '/conversions?from=2025-02-01&to=2025-01-01'), 'to')
    await refuses(api.shop('GET', '/conversions?limit=0'), 'limit')
    await refuses(api.shop('GET', '/conversions?limit=100000'), 'limit')
    await refuses(api.shop('GET', '/conversions?limit=ten'), 'limit')
    await refuses(api.shop('GET', '/conversions?campaignId=a%00b'), 'campaignId')
    await refuses(api.shop('GET', '/conversions?status=pending&status=approved'), 'status')
    const sale = await sell('BAD-ACTIONS', '10.00')
    const id = sale.body.conversion.id
    await refuses(api.shop('POST', `/conversions/${id}/refund`, { amount: '-1' }), 'amount')
    await refuses(api.shop('POST', `/conversions/${id}/refund`, { amount: '0' }), 'amount')
    await refuses(api.shop('POST', `/conversions/${id}/refund`, { amount: '10.01' }), 'amount')
    await refuses(api.shop('POST', `/conversions/${id}/refund`, { amount: '1.001' }), 'amount')
    await refuses(api.shop('POST', `/conversions/${id}/refund`, { kind: 'gift' }), 'kind')
    await refuses(api.shop('POST', `/conversions/${id}/decline`, { reason: 'x'.repeat(501) }), 'reason')
    await refuses(api.shop('POST', `/conversions/${id}/decline`, 'reason=x', { 'content-type': 'text/plain' }), 'content-type', 415)
    expect((await api.shop('POST', `/conversions/cnv_missing/approve`)).status).toBe(404)
  })
})

describe('money and the request log', () => {
  it('answers balances and ledger entries as money', async () => {
    const balance = await api.publisher('GET', '/balance')
    expect(balance.status).toBe(200)
    for (const b of balance.body.balances) {
      for (const bucket of ['pending', 'approved', 'paid', 'credit']) expect(b[bucket]).toEqual({ amount: expect.any(Number), currency: b.currency, formatted: expect.any(String) })
    }
    const ledger = await api.publisher('GET', '/ledger?limit=1')
    expect(ledger.status).toBe(200)
    expect(ledger.body.entries).toHaveLength(1)
    expect(ledger.body.entries[0]).toMatchObject({ bucket: expect.any(String), kind: expect.any(String), amount: { currency: 'EUR' } })
    expect(ledger.body.entries[0]).not.toHaveProperty('key')
    await refuses(api.publisher('GET', '/ledger?limit=-1'), 'limit')
    expect((await api.admin('GET', '/balance')).body).toEqual({ balances: [] })
  })

  it('lists the request log with filters', async () => {
    await fetch(`${api.network.url}/px?t=TCDEMOSHOP&amount=abc&id=BROKEN`)
    const rejected = await api.shop('GET', '/request-log?outcome=rejected&reason=bad_amount&trackingCodeId=tc_demo')
    expect(rejected.status).toBe(200)
    expect(rejected.body.entries[0]).toMatchObject({ kind: 'pixel', outcome: 'rejected', reason: 'bad_amount', trackingCodeId: 'tc_demo', params: { t: 'TCDEMOSHOP', amount: 'abc', id: 'BROKEN' } })
    expect(rejected.body.entries[0]).not.toHaveProperty('ipHash')
    const today = new Date().toISOString().slice(0, 10)
    expect((await api.shop('GET', `/request-log?from=${today}&to=${today}&limit=5`)).body.entries.length).toBeGreaterThan(0)
    await refuses(api.shop('GET', '/request-log?from=31/01/2025'), 'from')
    await refuses(api.shop('GET', '/request-log?to=soon'), 'to')
    await refuses(api.shop('GET', '/request-log?outcome=maybe'), 'outcome')
    await refuses(api.shop('GET', '/request-log?reason=DROP%20TABLE'), 'reason')
    expect((await api.publisher('GET', '/request-log')).status).toBe(403)
  })
})

describe('the OpenAPI document', () => {
  it('is served without a key', async () => {
    const doc = await api.anonymous('GET', '/openapi.json')
    expect(doc.status).toBe(200)
    expect(doc.body).toMatchObject({ openapi: '3.1.0', servers: [{ url: api.network.url }] })
  })
})

describe('malformed requests', () => {
  it('refuses text that is not Unicode and absurd nesting, naming where, on every JSON body', async () => {
    await refuses(api.shop('POST', '/api-keys', { name: 'bad \ud800 text' }), 'name')
    await refuses(api.shop('POST', '/campaigns', campaignBody({ landingUrls: ['https://shop.example/\udc00'] })), 'landingUrls.0')
    await refuses(api.shop('POST', '/conversions', { orderId: 'X-\ud800', amount: '1.00', currency: 'EUR' }), 'orderId')
    let deep: Record<string, unknown> = { leaf: 1 }
    for (let i = 0; i < 30; i++) deep = { deep }
    const nested = await refuses(api.shop('POST', '/conversions', { orderId: 'DEEP', amount: '1.00', currency: 'EUR', extra: deep }), 'extra.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep.deep')
    expect(nested.message).toMatch(/nested too deeply/)
  })

  it('refuses a path that is not valid percent-encoding (400 naming the path), and an impossible date as a bad field', async () => {
    expect((await refuses(api.shop('GET', '/campaigns/%ff'), 'path')).code).toBe('bad_encoding')
    await refuses(api.shop('GET', '/conversions?from=2025-02-30'), 'from')
    await refuses(api.shop('GET', '/request-log?from=0000-01-01'), 'from')
    await refuses(api.shop('GET', '/request-log?to=2025-01-01T10:00'), 'to')
  })
})

describe('authentication', () => {
  it('asks for a key, and refuses unknown ones', async () => {
    const none = await api.anonymous('GET', '/me')
    expect(none.status).toBe(401)
    expect(none.body.error).toMatchObject({ code: 'unauthenticated', field: 'authorization' })
    const wrong: Call = client(api.network.url, 'nw_not-a-real-key')
    expect((await wrong('GET', '/me')).body.error.code).toBe('bad_api_key')
  })
})
