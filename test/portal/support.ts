// Helpers for the portal tests: the real network with its demo data, accounts with passwords, sign-in in
// Chromium, and a cookie-keeping fetch session for checks that need no browser.
import { randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { newApiKey, newId } from '../../server/src/ids.js'
import { hashPassword } from '../../server/src/accounts/passwords.js'
import type { Role, Storage } from '../../server/src/storage/types.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'

/**
 * The network with its demo data on an in-memory store: an embedded store on disk takes seconds to create,
 * and these tests keep nothing.
 */
export async function startPortalNetwork(env: Record<string, string> = {}): Promise<TestNetwork> {
  return startTestNetwork({ SEED_DEMO: 'true', DATA_DIR: 'memory://', ...env })
}

export interface Person {
  id: string
  name: string
  email: string
  password: string
  apiKey: string
}

let counter = 0

/** An active account with a portal password and an API key, straight in the store. */
export async function createPerson(storage: Storage, roles: Role[], name = `Test ${roles.join('+')} ${++counter}`): Promise<Person> {
  const id = newId('acc')
  const password = randomBytes(12).toString('base64url')
  const email = `${id}@example.com`
  await storage.accounts.create({ id, name, email, roles, status: 'active', passwordHash: await hashPassword(password) })
  const key = newApiKey()
  await storage.apiKeys.create({ id: newId('key'), accountId: id, name: 'test', prefix: key.prefix, hash: key.hash })
  return { id, name, email, password, apiKey: key.key }
}

/** Gives an existing account (e.g. of a test scenario) a portal password. */
export async function withPassword(storage: Storage, accountId: string): Promise<Pick<Person, 'email' | 'password'>> {
  const password = randomBytes(12).toString('base64url')
  const account = await storage.accounts.update(accountId, { passwordHash: await hashPassword(password) })
  return { email: account!.email, password }
}

/** Reports a sale through the conversions API, credited through the click `clickId`. */
export async function reportSale(url: string, advertiserKey: string, sale: { orderId: string; amount: string; clickId: string | null }): Promise<{ id: string; status: string }> {
  const res = await fetch(`${url}/api/v1/conversions`, {
    method: 'POST', headers: { authorization: `Bearer ${advertiserKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...sale, currency: 'EUR', customerEmail: 'buyer@example.com' }),
  })
  const body = (await res.json()) as { conversion: { id: string; status: string }; reason: string }
  if (res.status !== 201) throw new Error(`sale not recorded: ${res.status} ${JSON.stringify(body)}`)
  return body.conversion
}

/** A demo account of the network, as printed at start. */
export function demoPerson(network: TestNetwork, role: 'advertiser' | 'publisher' | 'admin'): Pick<Person, 'email' | 'password' | 'apiKey'> {
  const account = network.demo!.accounts.find((a) => a.role === role)!
  return { email: account.email, password: account.password, apiKey: account.apiKey }
}

/** Signs in through the form, as a person does; lands on the account's home page (or `next`). */
export async function signInWithForm(page: Page, who: Pick<Person, 'email' | 'password'>): Promise<void> {
  await page.goto('/portal/sign-in')
  await page.getByLabel('Email').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL((u) => u.pathname !== '/portal/sign-in')
}

/**
 * A new browser context signed in as `who`, on the account's home page. The session is made over HTTP and
 * handed to the browser (the form costs a second of browser time; signin.test.ts covers the form itself).
 */
export async function signIn(browser: Browser, url: string, who: Pick<Person, 'email' | 'password'>, options: { clipboard?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const [context, session] = await Promise.all([browser.newContext({ baseURL: url }), fetchSession(url, who)])
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url })
  const cookies = session.cookie.split('; ').map((pair) => pair.split('=') as [string, string])
  await context.addCookies(cookies.filter(([name]) => name === 'nw_session').map(([name, value]) => ({ name, value, url, httpOnly: true, sameSite: 'Lax' as const })))
  const page = await context.newPage()
  await page.goto(session.home)
  return { context, page }
}

export interface Answer {
  status: number
  headers: Headers
  body: string
}

/** A signed-in session over plain fetch: keeps cookies, knows the CSRF token. */
export interface FetchSession {
  cookie: string
  csrf: string
  /** Where the sign-in led. */
  home: string
  get(path: string): Promise<Answer>
  post(path: string, form: Record<string, string>, options?: { csrf?: boolean }): Promise<Answer>
}

export async function fetchSession(url: string, who: Pick<Person, 'email' | 'password'>): Promise<FetchSession> {
  const cookies = new Map<string, string>()
  const jar = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const at = pair.indexOf('=')
      const value = pair.slice(at + 1)
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(pair.slice(0, at))
      else cookies.set(pair.slice(0, at), value)
    }
  }
  const answer = async (res: Response): Promise<Answer> => {
    keep(res)
    return { status: res.status, headers: res.headers, body: await res.text() }
  }
  const get = async (path: string) => answer(await fetch(url + path, { headers: { cookie: jar() }, redirect: 'manual' }))
  const signInForm = await get('/portal/sign-in')
  const token = /name="_csrf" value="([^"]+)"/.exec(signInForm.body)![1]!
  const signedIn = await answer(await fetch(`${url}/portal/sign-in`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: jar(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email: who.email, password: who.password }),
  }))
  if (signedIn.status !== 303) throw new Error(`sign-in failed with ${signedIn.status}: ${signedIn.body.slice(0, 500)}`)
  const location = signedIn.headers.get('location')!
  const home = await get(location)
  const session: FetchSession = {
    home: location,
    cookie: jar(),
    csrf: /name="_csrf" value="([^"]+)"/.exec(home.body)![1]!,
    get,
    async post(path, form, options = {}) {
      const body = new URLSearchParams(options.csrf === false ? form : { _csrf: session.csrf, ...form })
      return answer(await fetch(url + path, { method: 'POST', redirect: 'manual', headers: { cookie: jar(), 'content-type': 'application/x-www-form-urlencoded' }, body }))
    },
  }
  return session
}

/** The text of a page without tags, for assertions on what a person reads. */
export const textOf = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&').replace(/\s+/g, ' ')

/** Clicks something that submits a form or follows a link, and waits for the next page to load. */
export async function submit(page: Page, target: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('load'), target.click()])
}

/** The texts of a row's data cells (its header cell left out). */
export const cells = (row: Locator) => row.getByRole('cell').allTextContents()
