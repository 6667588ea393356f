// The buyer-facing pages over HTTP, on their own router and a real embedded store: the unsubscribe page and its
// one-click POST (RFC 8058: the address in the List-Unsubscribe header is POSTed to with the ids in the query),
// and the local outbox, which exists outside production only.
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../../server/src/config.js'
import { newId } from '../../server/src/ids.js'
import { createLogger } from '../../server/src/logger.js'
import { createMonetize, type Monetize } from '../../server/src/monetize/index.js'
import { outboxMailer } from '../../server/src/monetize/mailer.js'
import { monetizePages } from '../../server/src/monetize/pages.js'
import { csp, cspWith } from '../../server/src/page.js'
import type { Services } from '../../server/src/services.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { memoryStore } from '../support/stores.js'

let storage: PostgresStorage
let monetize: Monetize
const servers: { close(): void }[] = []

async function serve(config: Config): Promise<string> {
  const app = express()
  app.use(monetizePages({ config, storage, monetize } as unknown as Services))
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

let url: string
let shopId: string

beforeAll(async () => {
  storage = await memoryStore()
  const config = loadConfig({ COOKIE_SECRET: 'pages-test-cookie-secret-0123456789' })
  monetize = createMonetize({ config, storage, logger: createLogger('silent'), mailer: outboxMailer(storage, 'offers@net.example'), ingest: (() => {}) as never, runNow: async () => {} })
  shopId = (await storage.accounts.create({ id: newId('acc'), name: 'Shop', email: 'shop@pages.example', roles: ['publisher'], status: 'active', passwordHash: null })).id
  url = await serve(config)
})
afterAll(async () => {
  for (const server of servers) server.close()
  await storage?.close()
})

async function message(recipient: string): Promise<string> {
  const id = newId('msg')
  await storage.messages.insertIfAbsent({ id, accountId: shopId, orderId: null, channel: 'email', recipient, subject: '', tags: [], campaignIds: [], status: 'sent' })
  return id
}
const suppressed = (address: string) => storage.suppressions.has(monetize.addressHash(address))
const strictCsp = csp
/** A form POST to /unsubscribe (`query` for the one-click form, where the ids ride in the link itself). */
const postUnsubscribe = (body: string | URLSearchParams, query = '') =>
  fetch(`${url}/unsubscribe${query}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })

describe('unsubscribe', () => {
  it('shows a confirmation form carrying the link’s ids, escaped, under a strict policy', async () => {
    const res = await fetch(`${url}/unsubscribe?m=msg_1&s=${encodeURIComponent('"><script>x</script>')}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toBe(strictCsp)
    const html = await res.text()
    expect(html).toContain('<title>Unsubscribe</title>')
    expect(html).toContain('from any shop')
    expect(html).toContain('<form method="post" action="/unsubscribe"><input type="hidden" name="m" value="msg_1"><input type="hidden" name="s" value="&#34;&#62;&#60;script&#62;x&#60;/script&#62;">')
    expect(html).not.toContain('<script>')
    expect(await (await fetch(`${url}/unsubscribe`)).text()).toContain('name="m" value=""><input type="hidden" name="s" value="">')
  })

  it('unsubscribes the address from the form’s fields, and from the one-click POST to the link itself', async () => {
    const fromForm = await message('form@buyer.example')
    const res = await postUnsubscribe(new URLSearchParams({ m: fromForm, s: monetize.unsubscribeToken(fromForm) }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toBe(strictCsp)
    const html = await res.text()
    expect(html).toContain('<title>Unsubscribed</title>')
    expect(html).toContain('<h1>You are unsubscribed</h1><p>You will receive no more offer emails from us.</p>')
    expect(await suppressed('form@buyer.example')).toBe(true)

    const oneClick = await message('oneclick@buyer.example')
    const posted = await postUnsubscribe('List-Unsubscribe=One-Click', `?m=${oneClick}&s=${monetize.unsubscribeToken(oneClick)}`)
    expect(posted.status).toBe(200)
    expect(await suppressed('oneclick@buyer.example')).toBe(true)
  })

  it('refuses a link whose token does not match, or that names nothing, with 400 and a page saying so', async () => {
    const id = await message('kept@buyer.example')
    for (const body of [{ m: id, s: monetize.unsubscribeToken(id).replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }, { m: id, s: '' }, { m: '', s: '' }, {}]) {
      const res = await postUnsubscribe(new URLSearchParams(body as Record<string, string>))
      expect(res.status).toBe(400)
      expect(res.headers.get('content-security-policy')).toBe(strictCsp)
      const html = await res.text()
      expect(html).toContain('<title>Link not valid</title>')
      expect(html).toContain('<h1>This unsubscribe link is not valid</h1><p>Please use the link from the email you received.</p>')
    }
    expect(await suppressed('kept@buyer.example')).toBe(false)
    // The form's body is capped: a flood is refused before anything runs.
    const flood = await postUnsubscribe(`m=${'x'.repeat(5_000)}`)
    expect(flood.status).toBe(413)
  })

  it('reads the form as flat fields: a nested one is not an id', async () => {
    const id = await message('nested@buyer.example')
    const res = await postUnsubscribe(`m[id]=${id}&s=${monetize.unsubscribeToken(id)}`)
    expect(res.status).toBe(400)
    expect(await suppressed('nested@buyer.example')).toBe(false)
  })
})

describe('the outbox', () => {
  it('lists the emails kept, newest first and escaped, and shows each as the buyer would see it under a policy that runs no script', async () => {
    const empty = await fetch(`${url}/outbox`)
    expect(empty.status).toBe(200)
    expect(await empty.text()).toContain('<tr><td colspan="3">No emails yet.</td></tr>')
    const mailer = outboxMailer(storage, 'offers@net.example')
    const email = { messageId: 'msg_1', to: 'ada@buyer.example', replyTo: 'r@x', html: '<p>Hello <b>Ada</b></p>', text: 't', tags: [], variables: {}, unsubscribeUrl: 'u' }
    const first = await mailer.send({ ...email, from: '"Shop" <offers@net.example>', subject: 'First <i>' })
    const second = await mailer.send({ ...email, from: 'b@net.example', subject: 'Second' })
    const res = await fetch(`${url}/outbox`)
    expect(res.headers.get('content-security-policy')).toBe(strictCsp)
    const html = await res.text()
    expect(html).toContain('<title>Outbox</title>')
    expect(html).not.toContain('No emails yet.')
    expect(html).toContain(`<a href="/outbox/${first.providerId}">First &#60;i&#62;</a><br><small>from &#34;Shop&#34; &#60;offers@net.example&#62;</small>`)
    expect(html.indexOf(second.providerId)).toBeLessThan(html.indexOf(first.providerId))
    // One row after the other.
    expect(html).toMatch(/<\/small><\/td><\/tr><tr><td>\d{4}-/)
    expect(html).toMatch(/<tr><td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<\/td><td>ada@buyer.example<\/td>/)

    const shown = await fetch(`${url}/outbox/${first.providerId}`)
    expect(shown.status).toBe(200)
    expect(shown.headers.get('content-type')).toMatch(/^text\/html/)
    // No inline style in this one: none allowed; no script, sandboxed.
    expect(shown.headers.get('content-security-policy')).toBe(cspWith({ 'script-src': "'none'", 'style-src': "'none'", 'img-src': '* data:', 'form-action': "'none'", sandbox: 'allow-popups allow-popups-to-escape-sandbox' }))
    expect(await shown.text()).toBe('<p>Hello <b>Ada</b></p>')
    const missing = await fetch(`${url}/outbox/out_nothing`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-security-policy')).toBe(strictCsp)
    const missingPage = await missing.text()
    expect(missingPage).toContain('<title>Not found</title>')
    expect(missingPage).toContain('<h1>No such email</h1>')
  })

  it('does not exist in production', async () => {
    const production = await serve(loadConfig({ NODE_ENV: 'production', COOKIE_SECRET: 'pages-test-cookie-secret-0123456789' }))
    expect((await fetch(`${production}/outbox`)).status).toBe(404)
    expect((await fetch(`${production}/outbox/out_1`)).status).toBe(404)
    expect((await fetch(`${production}/unsubscribe`)).status).toBe(200)
  })
})
