// The portal's security and quality promises that need no browser: a strict CSP and no inline script or
// style on every page, signed HttpOnly SameSite cookies, argon2id passwords, CSRF tokens on every form,
// sign-out and suspension that end sessions, rate-limited sign-in, escaped values, fast pages.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { csp as portalCsp } from '../../server/src/page.js'
import type { TestNetwork } from '../support/network.js'
import { campaignBody } from '../api/support.js'
import { createPerson, demoPerson, fetchSession, startPortalNetwork, textOf } from './support.js'

let net: TestNetwork
let url: string
const pages = {
  publisher: ['/portal/publisher', '/portal/publisher/stats', '/portal/publisher/stats?by=sub1', '/portal/publisher/links', '/portal/publisher/conversions', '/portal/publisher/payouts', '/portal/account'],
  advertiser: [
    '/portal/advertiser', '/portal/advertiser/campaigns/new', '/portal/advertiser/campaigns/cmp_demo_shop', '/portal/advertiser/tracking-codes',
    '/portal/advertiser/tracking-codes/tc_demo', '/portal/advertiser/conversions', '/portal/advertiser/request-log', '/portal/advertiser/monetize',
    '/portal/advertiser/revenue', '/portal/publisher',
  ],
  admin: ['/portal/admin', '/portal/admin/conversions', '/portal/admin/payouts'],
} as const

beforeAll(async () => {
  net = await startPortalNetwork()
  url = net.url
})
afterAll(async () => {
  await net.destroy()
})

describe('portal pages', () => {
  it('answer every page with a strict Content-Security-Policy, no inline script or style, and no caching', async () => {
    expect(portalCsp).toContain("script-src 'self'")
    expect(portalCsp).not.toContain('unsafe-inline')
    for (const role of ['publisher', 'advertiser', 'admin'] as const) {
      const s = await fetchSession(url, demoPerson(net, role))
      for (const path of pages[role]) {
        const page = await s.get(path)
        expect(page.status, path).toBe(200)
        expect(page.headers.get('content-security-policy'), path).toBe(portalCsp)
        expect(page.headers.get('x-content-type-options')).toBe('nosniff')
        expect(page.headers.get('cache-control')).toBe('no-store')
        expect(page.body, path).not.toMatch(/<script(?![^>]*\ssrc=)/)
        expect(page.body, path).not.toMatch(/\sstyle=|<style/)
        expect(page.body, path).toMatch(/<main id="main">/)
        expect(page.body, path).toMatch(/<html lang="en">/)
      }
    }
    const signIn = await fetch(`${url}/portal/sign-in`)
    expect(signIn.headers.get('content-security-policy')).toBe(portalCsp)
  })

  it('answers every page of the demo data within 300 ms', async () => {
    const slowest: [string, number][] = []
    for (const role of ['publisher', 'advertiser', 'admin'] as const) {
      const s = await fetchSession(url, demoPerson(net, role))
      for (const path of pages[role]) {
        // The best of three: one slow moment of a busy test machine is not the page's speed.
        const times = []
        for (let i = 0; i < 3; i++) {
          const started = performance.now()
          expect((await s.get(path)).status).toBe(200)
          times.push(performance.now() - started)
        }
        slowest.push([path, Math.min(...times)])
      }
    }
    slowest.sort((a, b) => b[1] - a[1])
    console.log(`[portal] slowest pages (best of 3): ${slowest.slice(0, 5).map(([p, ms]) => `${p} ${ms.toFixed(1)} ms`).join(', ')}`)
    expect(slowest[0]![1]).toBeLessThan(300)
  })

  it('serves its stylesheet and script as files, cached by content version', async () => {
    const page = await (await fetchSession(url, demoPerson(net, 'publisher'))).get('/portal/publisher')
    const css = /href="(\/portal\/assets\/portal\.css\?v=\w+)"/.exec(page.body)![1]!
    const js = /src="(\/portal\/assets\/portal\.js\?v=\w+)"/.exec(page.body)![1]!
    const cssAnswer = await fetch(url + css)
    expect(cssAnswer.headers.get('content-type')).toMatch(/^text\/css/)
    expect(cssAnswer.headers.get('cache-control')).toContain('immutable')
    expect(await cssAnswer.text()).toContain('.balance')
    expect((await fetch(url + js)).headers.get('content-type')).toMatch(/^text\/javascript/)
    expect((await fetch(`${url}/portal/assets/secret.txt`)).status).toBe(404)
    // Names every object has are no files either.
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const answer = await fetch(`${url}/portal/assets/${name}`)
      expect(answer.status, name).toBe(404)
      expect(answer.headers.get('content-type'), name).toMatch(/^text\/html/)
    }
  })

  it('escapes every value: a campaign named like a script shows as text', async () => {
    const evil = '<script>alert("x")</script>'
    const advertiser = await createPerson(net.storage, ['advertiser'], `Shop ${evil}`)
    const created = await fetch(`${url}/api/v1/campaigns`, {
      method: 'POST', headers: { authorization: `Bearer ${advertiser.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(campaignBody({ name: evil, description: `<img src=x onerror=alert(1)>` })),
    })
    expect(created.status).toBe(201)
    const own = await fetchSession(url, advertiser)
    const publisher = await fetchSession(url, demoPerson(net, 'publisher'))
    for (const page of [await own.get('/portal/advertiser'), await publisher.get('/portal/publisher/links'), await own.get('/portal/account')]) {
      expect(page.body).not.toContain('<script>alert')
      expect(page.body).not.toContain('<img src=x')
    }
    expect((await own.get('/portal/advertiser')).body).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;')
  })
})

describe('sessions', () => {
  it('signs in with a signed, HttpOnly, SameSite=Lax cookie; the password is stored as argon2id', async () => {
    const person = await createPerson(net.storage, ['publisher'])
    expect((await net.storage.accounts.get(person.id))!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    const form = await fetch(`${url}/portal/sign-in`)
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!
    const preCookie = form.headers.getSetCookie()[0]!.split(';')[0]!
    const res = await fetch(`${url}/portal/sign-in`, {
      method: 'POST', redirect: 'manual', headers: { cookie: preCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, email: person.email.toUpperCase(), password: person.password }),
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/portal/publisher')
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('nw_session='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).toMatch(/Path=\//)
    expect(cookie).toMatch(/^nw_session=s%3A/)
    // The store keeps the token's SHA-256, never the token itself.
    const sessionToken = decodeURIComponent(cookie.split(';')[0]!.slice('nw_session='.length)).slice(2).split('.')[0]!
    expect(await net.storage.sessions.get(sessionToken)).toBeNull()
    const stored = await net.storage.sessions.get(createHash('sha256').update(sessionToken).digest('hex'))
    expect(stored).toMatchObject({ accountId: person.id })
    expect(stored!.expiresAt.getTime() - Date.now()).toBeGreaterThan(11 * 3600_000)
  })

  it('refuses a forged or unsigned session cookie', async () => {
    const s = await fetchSession(url, demoPerson(net, 'publisher'))
    const raw = decodeURIComponent(s.cookie.split('nw_session=')[1]!.split(';')[0]!)
    const unsigned = raw.slice(2).split('.')[0]!
    for (const cookie of [`nw_session=${encodeURIComponent(unsigned)}`, `nw_session=${encodeURIComponent(`s:${unsigned}.forged`)}`]) {
      const res = await fetch(`${url}/portal/publisher`, { headers: { cookie }, redirect: 'manual' })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/portal/sign-in?next=%2Fportal%2Fpublisher')
    }
  })

  it('ends the session at sign-out: the same cookie no longer opens any page', async () => {
    const s = await fetchSession(url, demoPerson(net, 'publisher'))
    const copied = s.cookie
    expect((await s.get('/portal/publisher')).status).toBe(200)
    const out = await s.post('/portal/sign-out', {})
    expect(out.status).toBe(303)
    expect(out.headers.get('location')).toBe('/portal/sign-in?notice=signed-out')
    const again = await fetch(`${url}/portal/publisher`, { headers: { cookie: copied }, redirect: 'manual' })
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toMatch(/^\/portal\/sign-in/)
  })

  it('refuses every form without the session\'s CSRF token, and changes nothing', async () => {
    const person = await createPerson(net.storage, ['publisher'])
    const s = await fetchSession(url, person)
    const before = await net.storage.apiKeys.listByAccount(person.id)
    // The last: as long as a token in characters, twice as long in bytes (once a 500: the comparison threw).
    for (const csrf of [undefined, 'not-the-token', 'é'.repeat(43)]) {
      const res = await s.post('/portal/account/api-keys', { name: 'stolen', ...(csrf && { _csrf: csrf }) }, { csrf: false })
      expect(res.status).toBe(403)
      expect(textOf(res.body)).toContain('This form has expired')
    }
    expect(await net.storage.apiKeys.listByAccount(person.id)).toEqual(before)
    // Another site's sign-out form does not sign anyone out.
    expect((await s.post('/portal/sign-out', {}, { csrf: false })).status).toBe(403)
    expect((await s.get('/portal/publisher')).status).toBe(200)
    // The sign-in form has a token of its own (there is no session yet).
    const res = await fetch(`${url}/portal/sign-in`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: person.email, password: person.password }),
    })
    expect(res.status).toBe(403)
    expect(res.headers.getSetCookie().some((c) => c.startsWith('nw_session='))).toBe(false)
  })

  it('limits sign-in attempts per address and email, and says how long to wait', async () => {
    const person = await createPerson(net.storage, ['publisher'])
    const form = await fetch(`${url}/portal/sign-in`)
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!
    const cookie = form.headers.getSetCookie()[0]!.split(';')[0]!
    const attempt = (password: string) => fetch(`${url}/portal/sign-in`, {
      method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, email: person.email, password }),
    })
    for (let i = 0; i < 5; i++) {
      const wrong = await attempt('wrong password')
      expect(wrong.status).toBe(401)
      expect(textOf(await wrong.text())).toContain('The email or the password is not right')
    }
    const locked = await attempt(person.password)
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800)
    expect(textOf(await locked.text())).toMatch(/Too many sign-in attempts\. Wait 1[45] minutes and try again/)
    // Another account from the same address is not locked out by it.
    const other = await createPerson(net.storage, ['publisher'])
    await expect(fetchSession(url, other)).resolves.toBeTruthy()
  })

  it('sends a signed-out visitor to sign in and back to the page asked for, never elsewhere', async () => {
    const res = await fetch(`${url}/portal/publisher/stats?by=sub1`, { redirect: 'manual' })
    expect(res.headers.get('location')).toBe('/portal/sign-in?next=%2Fportal%2Fpublisher%2Fstats%3Fby%3Dsub1')
    const person = await createPerson(net.storage, ['publisher'])
    const form = await fetch(`${url}/portal/sign-in?next=//evil.example/`)
    const body = await form.text()
    expect(body).not.toContain('evil.example')
    const token = /name="_csrf" value="([^"]+)"/.exec(body)![1]!
    const cookie = form.headers.getSetCookie()[0]!.split(';')[0]!
    for (const [next, expected] of [['//evil.example/', '/portal/publisher'], ['https://evil.example/', '/portal/publisher'], ['/portal/publisher/links', '/portal/publisher/links']]) {
      const signedIn = await fetch(`${url}/portal/sign-in`, {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, email: person.email, password: person.password, next: next! }),
      })
      expect(signedIn.headers.get('location')).toBe(expected)
    }
    expect((await fetch(url, { redirect: 'manual' })).headers.get('location')).toBe('/portal')
  })

  it('ends every session of a suspended account and stops its API keys; pending accounts cannot sign in', async () => {
    const person = await createPerson(net.storage, ['advertiser'])
    const s = await fetchSession(url, person)
    const admin = await fetchSession(url, demoPerson(net, 'admin'))
    const suspended = await admin.post(`/portal/admin/accounts/${person.id}/suspend`, {})
    expect(suspended.status).toBe(303)
    expect((await net.storage.accounts.get(person.id))!.status).toBe('suspended')
    expect((await s.get('/portal/advertiser')).status).toBe(303)
    const apiCall = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${person.apiKey}` } })
    expect(apiCall.status).toBe(403)
    await expect(fetchSession(url, person)).rejects.toThrow(/403/)
    // The operator cannot lock themselves out.
    const self = await admin.post('/portal/admin/accounts/acc_demo_admin/suspend', {})
    expect(self.status).toBe(409)
    expect((await net.storage.accounts.get('acc_demo_admin'))!.status).toBe('active')
  })

  it('exports tables as CSV with the page\'s filters, defusing spreadsheet formulas', async () => {
    const person = await createPerson(net.storage, ['advertiser'], '=HYPERLINK("http://evil.example")')
    const admin = await fetchSession(url, demoPerson(net, 'admin'))
    const csv = await admin.get('/portal/admin?csv=accounts')
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="accounts-\d{4}-\d{2}-\d{2}\.csv"$/)
    const lines = csv.body.trim().split('\r\n')
    expect(lines[0]).toBe('Name,Email,Roles,Status,Created')
    expect(lines).toContain(`"'=HYPERLINK(""http://evil.example"")",${person.email},advertiser,active,${(await net.storage.accounts.get(person.id))!.createdAt.toISOString()}`)
    expect((await admin.get('/portal/admin?status=pending&csv=accounts')).body.trim().split('\r\n')).not.toContain(expect.stringContaining(person.email))
    expect((await admin.get('/portal/admin?csv=nothing')).status).toBe(404)
  })
})

describe('access by role', () => {
  it('keeps each part of the portal to its role', async () => {
    const publisher = await fetchSession(url, demoPerson(net, 'publisher'))
    for (const path of ['/portal/advertiser', '/portal/advertiser/conversions', '/portal/admin', '/portal/admin/payouts']) {
      const res = await publisher.get(path)
      expect(res.status, path).toBe(403)
    }
    const advertiserOnly = await createPerson(net.storage, ['advertiser'])
    const advertiser = await fetchSession(url, advertiserOnly)
    expect((await advertiser.get('/portal/publisher')).status).toBe(403)
    expect((await advertiser.get('/portal/admin')).status).toBe(403)
    expect((await advertiser.post(`/portal/admin/accounts/${advertiserOnly.id}/approve`, {})).status).toBe(403)
  })
})

