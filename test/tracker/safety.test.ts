import { describe, expect, it } from 'vitest'
import { CLICK_ID, openPage, storedCookie, tracker } from './page.js'

// The tracker must never hurt the host page: nothing it does throws into the page.

const LANDING = `https://shop.example.com/?nclid=${CLICK_ID}`

describe('never hurting the host page', () => {
  it('swallows cookies that throw (an opaque-origin document) and keeps the command queue working', async () => {
    const page = await openPage({
      url: LANDING,
      data: { debug: '' },
      body: '<form action="https://network.example/conv"></form>',
      transports: { beacon: 'accept' },
      setup: (window) =>
        Object.defineProperty(window.document, 'cookie', {
          get: () => {
            throw new window.DOMException('Access is denied for this document.', 'SecurityError')
          },
          set: () => {
            throw new window.DOMException('Access is denied for this document.', 'SecurityError')
          },
        }),
    })
    expect(page.window.nw!.loaded).toBe(1)
    page.run("nw('conversion', { orderId: 1 })")
    page.window.document.forms[0]!.dispatchEvent(new page.window.Event('formdata', { bubbles: true }))
    expect(page.errors).toEqual([])
    // capture, conversion and form upgrade each failed on the cookie, and each said so under data-debug
    expect(page.debug).toEqual(Array(3).fill('nw SecurityError: Access is denied for this document.'))
  })

  it('swallows bad calls: no arguments, no object, a throwing getter', async () => {
    const page = await openPage({ url: LANDING, transports: { beacon: 'accept' } })
    page.run("nw(); nw('conversion'); nw('conversion', null)")
    page.run("nw('conversion', { get orderId() { throw new Error('page bug') } })")
    expect(page.errors).toEqual([])
  })

  it('does nothing, silently, when it cannot find its script tag (document.currentScript is null)', async () => {
    const page = await openPage({ url: LANDING, copies: 0, before: "nw('conversion', { orderId: 1 })" })
    expect(() => page.run(tracker)).not.toThrow()
    expect(page.window.nw!.loaded).toBeUndefined()
    expect(page.window.nw!.q).toHaveLength(1)
  })
})

describe('loading twice', () => {
  it('the second copy does nothing: one cookie write, one hit per call, no double replay', async () => {
    const page = await openPage({
      url: LANDING,
      copies: 2,
      data: { debug: '' },
      transports: { beacon: 'accept' },
      before: "nw('conversion', { orderId: 'Q-1' })",
    })
    expect(page.hits.map((hit) => hit.fields.orderId)).toEqual(['Q-1'])
    page.run("nw('conversion', { orderId: 'D-1' })")
    expect(page.hits).toHaveLength(2)
    expect(page.debug).toEqual(['nw already loaded'])
  })
})

describe('automated browsers', () => {
  const webdriver = (window: { navigator: Navigator }) =>
    Object.defineProperty(window.navigator, 'webdriver', { get: () => true })

  it('are skipped (navigator.webdriver): nothing stored, nothing sent, and debug says why', async () => {
    const page = await openPage({
      url: LANDING,
      data: { debug: '' },
      transports: { beacon: 'accept' },
      before: "nw('conversion', { orderId: 'Q-1' })",
      setup: webdriver,
    })
    expect(storedCookie(page)).toBeUndefined()
    expect(page.hits).toEqual([])
    expect(page.debug).toEqual(['nw webdriver'])
  })

  it('are tracked with data-allow-automation (the end-to-end tests)', async () => {
    const page = await openPage({
      url: LANDING,
      data: { allowAutomation: '' },
      transports: { beacon: 'accept' },
      before: "nw('conversion', { orderId: 'Q-1' })",
      setup: webdriver,
    })
    expect(storedCookie(page)?.value).toBe(CLICK_ID)
    expect(page.hits).toHaveLength(1)
  })
})

describe('data-debug', () => {
  it('is silent without the attribute, whatever is skipped', async () => {
    const page = await openPage({ url: 'https://shop.example.com/?nclid=bad', copies: 2 })
    page.run("nw('conversion', { orderId: 1 }); nw('conversion', { orderId: 1 }); nw('nope')")
    expect(page.debug).toEqual([])
  })
})
