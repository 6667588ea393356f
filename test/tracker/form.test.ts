import { describe, expect, it } from 'vitest'
import { trackingParams } from '../../server/src/tracking/params.js'
import { CLICK_ID, NETWORK, newCookieJar, openPage, type Page } from './page.js'

// F3 method 2: a plain form posting to ENDPOINT/conv carries the stored click id when the script is there.
// jsdom builds no submission body, so these tests fire the `formdata` event the browser fires while building
// one; test/tracker/chromium.test.ts submits a real form.

const FORM = `
  <form id="conv" action="${NETWORK}/conv" method="POST">
    <input type="hidden" name="t" value="TC-1"><input type="hidden" name="amount" value="39.95">
    <input type="hidden" name="id" value="110001"><input type="submit" value="Click to Continue">
  </form>
  <form id="search" action="/search" method="POST"><input name="q"></form>`

const checkout = async (landing: string | null) => {
  const cookieJar = newCookieJar()
  if (landing) await openPage({ url: `https://shop.example.com/${landing}`, cookieJar })
  return openPage({ url: 'https://shop.example.com/checkout', body: FORM, cookieJar })
}

/** The fields the browser would post for this form, as the `formdata` event leaves them. */
const submission = (page: Page, formId: string) => {
  const { window } = page
  const form = window.document.getElementById(formId) as HTMLFormElement
  const formData = new window.FormData(form)
  const event = Object.assign(new window.Event('formdata', { bubbles: true }), { formData })
  form.dispatchEvent(event)
  // As the network reads the body: the first of a repeated name counts.
  return trackingParams(new URLSearchParams(formData as unknown as string[][]).toString())
}

describe('form upgrade', () => {
  it('adds nclid and nclid1 (the latest and the first click id) to a submission posted to ENDPOINT/conv', async () => {
    const page = await checkout(`?nclid=${CLICK_ID}`)
    expect(submission(page, 'conv')).toEqual({ t: 'TC-1', amount: '39.95', id: '110001', nclid: CLICK_ID, nclid1: CLICK_ID })
  })

  it('leaves forms posting elsewhere alone', async () => {
    const page = await checkout(`?nclid=${CLICK_ID}`)
    expect(submission(page, 'search')).toEqual({ q: '' })
  })

  it('keeps an nclid the form already has (the network reads the first of a repeated name)', async () => {
    const page = await checkout(`?nclid=${CLICK_ID}`)
    const form = page.window.document.getElementById('conv')!
    form.insertAdjacentHTML('beforeend', '<input type="hidden" name="nclid" value="from-the-server-1234">')
    expect(submission(page, 'conv').nclid).toBe('from-the-server-1234')
  })

  it('adds nothing when no click id is stored: the form works as it would without the script', async () => {
    const page = await checkout(null)
    expect(submission(page, 'conv')).toEqual({ t: 'TC-1', amount: '39.95', id: '110001' })
  })

  it('leaves the page DOM as it was', async () => {
    const page = await checkout(`?nclid=${CLICK_ID}`)
    submission(page, 'conv')
    expect(page.window.document.querySelectorAll('input[name=nclid]')).toHaveLength(0)
  })
})
