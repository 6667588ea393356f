import { describe, expect, it } from 'vitest'
import { CLICK_ID, OTHER_CLICK_ID, newCookieJar, openPage, storedCookie, type CookieJar } from './page.js'

// F2: the built tracker keeps the click id from the landing URL in a first-party cookie.

const land = (url: string, data: Record<string, string> = {}, cookieJar?: CookieJar) =>
  openPage({ url, data: { debug: '', ...data }, cookieJar })

describe('the click id cookie', () => {
  it('is stored on the registrable domain found by probing, past the public suffix', async () => {
    const page = await land(`https://shop.example.co.uk/landing?nclid=${CLICK_ID}`)
    const cookie = storedCookie(page)
    expect(cookie).toMatchObject({ value: CLICK_ID, domain: 'example.co.uk', hostOnly: false })
    // so every subdomain of the shop sees it, and nothing else does
    expect(storedCookie(page, 'https://checkout.example.co.uk/')?.value).toBe(CLICK_ID)
    expect(storedCookie(page, 'https://other.co.uk/')).toBeUndefined()
  })

  it('is stored on the two-label domain of a www host', async () => {
    const page = await land(`https://www.example.com/?nclid=${CLICK_ID}`)
    expect(storedCookie(page)).toMatchObject({ domain: 'example.com', hostOnly: false })
  })

  it('leaves no probe behind: the only cookies are _nclid and _nclid1, on the registrable domain', async () => {
    const page = await land(`https://a.b.shop.example.co.uk/?nclid=${CLICK_ID}`)
    expect(page.cookieJar.getCookiesSync(page.window.location.href).map((cookie) => cookie.key).sort()).toEqual(['_nclid', '_nclid1'])
    expect(storedCookie(page)?.domain).toBe('example.co.uk')
    expect(storedCookie(page, undefined, '_nclid1')).toMatchObject({ domain: 'example.co.uk', value: CLICK_ID })
  })

  it('is host-only on localhost', async () => {
    const page = await land(`http://localhost:8080/?nclid=${CLICK_ID}`)
    expect(storedCookie(page)).toMatchObject({ value: CLICK_ID, hostOnly: true })
  })

  it('stays on the exact address of an IP host', async () => {
    const page = await land(`http://192.168.1.20/?nclid=${CLICK_ID}`)
    // No part of an address (1.20, 168.1.20…) takes a cookie; only the address itself does.
    expect(storedCookie(page)).toMatchObject({ value: CLICK_ID, domain: '192.168.1.20' })
  })

  it('uses data-domain instead of probing', async () => {
    const page = await land(`https://a.shop.example.com/?nclid=${CLICK_ID}`, { domain: 'shop.example.com' })
    expect(storedCookie(page)).toMatchObject({ domain: 'shop.example.com' })
  })

  it('has Path=/, SameSite=Lax, Secure on https and Max-Age from data-window (30 days by default)', async () => {
    const byDefault = storedCookie(await land(`https://shop.example.com/p?nclid=${CLICK_ID}`))
    expect(byDefault).toMatchObject({ path: '/', sameSite: 'lax', secure: true, maxAge: 30 * 86400 })
    const week = storedCookie(await land(`https://shop.example.com/?nclid=${CLICK_ID}`, { window: '7' }))
    expect(week?.maxAge).toBe(7 * 86400)
  })

  it('is not Secure on http, where a browser would refuse it', async () => {
    const page = await land(`http://shop.example.com/?nclid=${CLICK_ID}`)
    expect(storedCookie(page)).toMatchObject({ value: CLICK_ID, secure: false })
  })

  it('reads the click id from any parameter named in data-param', async () => {
    const page = await land(`https://shop.example.com/?aff_click=${CLICK_ID}`, { param: 'nclid,aff_click' })
    expect(storedCookie(page)?.value).toBe(CLICK_ID)
  })

  it('is not touched on a page without a click id', async () => {
    const page = await land('https://shop.example.com/products')
    expect(storedCookie(page)).toBeUndefined()
    expect(page.debug).toEqual([])
  })
})

describe('the latest and the first click id (the network applies the campaign\'s model)', () => {
  const twoLandings = async (data: Record<string, string>) => {
    const cookieJar = newCookieJar()
    await land(`https://shop.example.com/a?nclid=${CLICK_ID}`, data, cookieJar)
    return land(`https://shop.example.com/b?nclid=${OTHER_CLICK_ID}`, data, cookieJar)
  }

  it('a new valid id becomes the latest (_nclid); the first (_nclid1) stays', async () => {
    const second = await twoLandings({})
    expect(storedCookie(second)?.value).toBe(OTHER_CLICK_ID)
    expect(storedCookie(second, undefined, '_nclid1')?.value).toBe(CLICK_ID)
  })

  it('data-model is ignored: the page cannot choose the model', async () => {
    const second = await twoLandings({ model: 'first' })
    expect(storedCookie(second)?.value).toBe(OTHER_CLICK_ID)
    expect(storedCookie(second, undefined, '_nclid1')?.value).toBe(CLICK_ID)
  })

  it('the first id is the latest too when it is the only one', async () => {
    const page = await land(`https://shop.example.com/?nclid=${CLICK_ID}`)
    expect(storedCookie(page)?.value).toBe(CLICK_ID)
    expect(storedCookie(page, undefined, '_nclid1')?.value).toBe(CLICK_ID)
  })
})

describe('malformed click ids', () => {
  const malformed = {
    empty: '',
    'too short': 'abc123',
    'too long': 'a'.repeat(65),
    'not base64url': 'Xk3_9fQ-2LmZpW7aB1cD4+',
    'cookie injection': `${CLICK_ID};domain=evil.example`,
  }

  for (const [name, value] of Object.entries(malformed)) {
    it(`never overwrite a stored id (${name})`, async () => {
      const cookieJar = newCookieJar()
      await land(`https://shop.example.com/?nclid=${CLICK_ID}`, {}, cookieJar)
      const page = await land(`https://shop.example.com/?nclid=${encodeURIComponent(value)}`, {}, cookieJar)
      expect(storedCookie(page)?.value).toBe(CLICK_ID)
      expect(page.debug).toEqual(['nw malformed nclid'])
    })
  }

  it('are never stored when nothing is stored yet', async () => {
    const page = await land('https://shop.example.com/?nclid=short')
    expect(storedCookie(page)).toBeUndefined()
  })

  it('a stored value that is not a click id counts as none (first click then stores the new id)', async () => {
    const cookieJar = newCookieJar()
    cookieJar.setCookieSync('_nclid=tampered', 'https://shop.example.com/')
    const page = await land(`https://shop.example.com/?nclid=${CLICK_ID}`, { model: 'first' }, cookieJar)
    expect(page.window.document.cookie).toContain(`_nclid=${CLICK_ID}`)
  })
})

describe('data-strip', () => {
  it('removes the click id from the address bar and keeps everything else', async () => {
    const page = await land(`https://shop.example.com/p?utm_source=x&nclid=${CLICK_ID}#reviews`, { strip: '' })
    expect(page.window.location.href).toBe('https://shop.example.com/p?utm_source=x#reviews')
    expect(storedCookie(page)?.value).toBe(CLICK_ID)
  })

  it('is off by default', async () => {
    const page = await land(`https://shop.example.com/p?nclid=${CLICK_ID}`)
    expect(page.window.location.search).toBe(`?nclid=${CLICK_ID}`)
  })
})
