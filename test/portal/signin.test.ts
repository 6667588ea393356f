// Signing in to the portal in Chromium: each demo role lands on its own pages; a wrong password is said
// plainly; applying for an account, approval by the operator, then signing in; API keys made (shown once)
// and revoked; a new password; and the keyboard reaches the content first.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestNetwork } from '../support/network.js'
import { describeWithChromium, launchChromium } from '../support/browser.js'
import { createPerson, demoPerson, fetchSession, signIn, signInWithForm, startPortalNetwork, submit } from './support.js'

describeWithChromium('signing in to the portal', () => {
  let net: TestNetwork
  let browser: Browser

  beforeAll(async () => {
    ;[net, browser] = await Promise.all([startPortalNetwork(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await net?.destroy()
  })

  it('signs in as each demo role and lands on that role\'s pages', async () => {
    const expected = {
      publisher: { path: '/portal/publisher', heading: 'Publisher overview', nav: ['Overview', 'Statistics', 'Links', 'Conversions', 'Payouts', 'Account & API keys'] },
      advertiser: { path: '/portal/advertiser', heading: 'Campaigns', nav: ['Overview', 'Statistics', 'Links', 'Conversions', 'Payouts', 'Campaigns', 'Tracking codes', 'Conversions', 'Request log', 'Revenue', 'Monetize', 'Account & API keys'] },
      admin: { path: '/portal/admin', heading: 'Accounts', nav: ['Accounts', 'Conversions', 'Payouts', 'Account & API keys'] },
    }
    const context = await browser.newContext({ baseURL: net.url })
    const page = await context.newPage()
    for (const role of ['publisher', 'advertiser', 'admin'] as const) {
      await signInWithForm(page, demoPerson(net, role))
      expect(new URL(page.url()).pathname).toBe(expected[role].path)
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(expected[role].heading)
      expect(await page.getByRole('navigation', { name: 'Portal' }).getByRole('link').allTextContents()).toEqual(expected[role].nav)
      expect(await page.locator('[aria-current="page"]').first().textContent()).toBe(expected[role].nav[role === 'publisher' ? 0 : role === 'advertiser' ? 5 : 0])
      // Signing out ends it: the pages ask for a sign-in again.
      await submit(page, page.getByRole('button', { name: 'Sign out' }))
      expect(await page.locator('.notice').textContent()).toBe('You are signed out.')
      await page.goto(expected[role].path)
      expect(new URL(page.url()).pathname).toBe('/portal/sign-in')
    }
    await context.close()
  })

  it('says plainly when the password is wrong, and reaches the content first from the keyboard', async () => {
    const context = await browser.newContext({ baseURL: net.url })
    const page = await context.newPage()
    await page.goto('/portal/publisher/links')
    expect(new URL(page.url()).pathname).toBe('/portal/sign-in')
    await page.getByLabel('Email').fill(demoPerson(net, 'publisher').email)
    await page.getByLabel('Password').fill('not the password')
    await submit(page, page.getByRole('button', { name: 'Sign in' }))
    expect(await page.getByRole('alert').textContent()).toBe('The email or the password is not right')
    expect(await page.getByLabel('Email').inputValue()).toBe(demoPerson(net, 'publisher').email)
    expect(await page.getByLabel('Password').inputValue()).toBe('')
    // The page asked for comes after a successful sign-in.
    await page.getByLabel('Password').fill(demoPerson(net, 'publisher').password)
    await submit(page, page.getByRole('button', { name: 'Sign in' }))
    expect(new URL(page.url()).pathname).toBe('/portal/publisher/links')
    // The first Tab stop skips the navigation; the builder is used from the keyboard alone.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    await page.keyboard.press('Enter')
    expect(new URL(page.url()).hash).toBe('#main')
    await page.getByLabel('Campaign and landing page').focus()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sub1')
    await page.keyboard.type('kb')
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')])
    expect(await page.locator('#built-link').textContent()).toMatch(/\/c\/[\w-]+\?sub1=kb$/)
    await context.close()
  })

  it('lets someone apply, the operator approve, and then sign in', async () => {
    const context = await browser.newContext({ baseURL: net.url })
    const page = await context.newPage()
    await page.goto('/portal/sign-up')
    await page.getByLabel('Name').fill('New Blog')
    await page.getByLabel('Email').fill('new-blog@example.com')
    await page.getByLabel('Password').fill('short')
    await submit(page, page.getByRole('button', { name: 'Apply' }))
    expect(await page.getByRole('alert').textContent()).toContain('at least 10 characters')
    await page.getByLabel('Password').fill('a long enough password')
    await submit(page, page.getByRole('button', { name: 'Apply' }))
    expect(await page.locator('.notice').textContent()).toContain('waits for approval')
    const account = (await net.storage.accounts.getByEmail('new-blog@example.com'))!
    expect(account).toMatchObject({ status: 'pending', roles: ['publisher'] })

    await page.getByLabel('Email').fill('new-blog@example.com')
    await page.getByLabel('Password').fill('a long enough password')
    await submit(page, page.getByRole('button', { name: 'Sign in' }))
    expect(await page.getByRole('alert').textContent()).toContain('waits for approval')

    const admin = (await signIn(browser, net.url, demoPerson(net, 'admin'))).page
    await submit(admin, admin.getByRole('button', { name: 'Approve New Blog' }))
    expect(await admin.locator('.notice').textContent()).toContain('The account is updated')
    await admin.context().close()

    await page.getByLabel('Email').fill('new-blog@example.com')
    await page.getByLabel('Password').fill('a long enough password')
    await submit(page, page.getByRole('button', { name: 'Sign in' }))
    expect(new URL(page.url()).pathname).toBe('/portal/publisher')
    await context.close()
  })

  it('creates an API key shown once, which works until it is revoked', async () => {
    const person = await createPerson(net.storage, ['advertiser'])
    const { context, page } = await signIn(browser, net.url, person)
    await page.goto('/portal/account')
    await page.getByLabel('New key name').fill('shop server')
    await submit(page, page.getByRole('button', { name: 'Create API key' }))
    const key = (await page.locator('#new-api-key').textContent())!
    expect(key).toMatch(/^nw_[\w-]{43}$/)
    const me = () => fetch(`${net.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })
    expect((await me()).status).toBe(200)
    // Shown once: the list has its first characters only, and a reload does not show it again.
    await page.goto('/portal/account')
    expect(await page.content()).not.toContain(key)
    const row = page.getByRole('row', { name: /shop server/ })
    expect(await row.textContent()).toContain(`${key.slice(0, 10)}…`)
    await submit(page, row.getByRole('button', { name: 'Revoke API key shop server' }))
    expect(await page.locator('.notice').textContent()).toContain('The API key is revoked')
    expect((await me()).status).toBe(401)
    await context.close()
  })

  it('changes the password, signing out the other devices', async () => {
    const person = await createPerson(net.storage, ['publisher'])
    const other = await signIn(browser, net.url, person)
    const { context, page } = await signIn(browser, net.url, person)
    await page.goto('/portal/account')
    await page.getByLabel('Current password').fill('wrong')
    await page.getByLabel('New password').fill('a brand new password')
    await submit(page, page.getByRole('button', { name: 'Change password' }))
    expect(await page.getByRole('alert').textContent()).toContain('The current password is not right')
    await page.getByLabel('Current password').fill(person.password)
    await page.getByLabel('New password').fill('a brand new password')
    await submit(page, page.getByRole('button', { name: 'Change password' }))
    expect(await page.locator('.notice').textContent()).toContain('Your password is changed')
    await page.goto('/portal/publisher')
    expect(new URL(page.url()).pathname).toBe('/portal/publisher')
    await other.page.goto('/portal/publisher')
    expect(new URL(other.page.url()).pathname).toBe('/portal/sign-in')
    await other.context.close()
    await context.close()
    await expect(fetchSession(net.url, { email: person.email, password: 'a brand new password' })).resolves.toBeTruthy()
  })
})
