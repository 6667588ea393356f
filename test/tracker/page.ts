import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

/**
 * Loads the built `tracker/dist/t.js` into a fresh jsdom page exactly as an advertiser pastes it: the stub,
 * then `<script async src="https://network.example/t.js" data-…>`. The network is never reached: the
 * transports the browser would use (sendBeacon, fetch, the image pixel) are recorded instead.
 */

export const NETWORK = 'https://network.example'
/** The shape the network issues: 22 base64url characters. */
export const CLICK_ID = 'Xk3_9fQ-2LmZpW7aB1cD4e'
export const OTHER_CLICK_ID = 'Zz9-8yX_7wV6uT5sR4qP3o'

export const STUB = 'window.nw=window.nw||function(){(nw.q=nw.q||[]).push(arguments)}'

// The repository has no @types/jsdom: these are the parts of jsdom's API the tracker tests use.
interface Cookie {
  key: string
  value: string
  domain: string | null
  hostOnly: boolean | null
  path: string | null
  sameSite: string
  secure: boolean
  maxAge: number | 'Infinity' | '-Infinity' | null
}
export interface CookieJar {
  getCookiesSync(url: string): Cookie[]
  setCookieSync(cookie: string, url: string): Cookie
}
/** A jsdom page's window, with the tracker's global. */
export type DOMWindow = Window &
  typeof globalThis & { nw?: { (name: string, argument?: unknown): void; q?: IArguments[]; loaded?: number } }
interface VirtualConsole {
  on(event: 'jsdomError', listener: (error: Error) => void): this
  on(event: 'debug', listener: (...args: unknown[]) => void): this
}
const jsdom = createRequire(import.meta.url)('jsdom') as {
  JSDOM: new (
    html: string,
    options: {
      url: string
      runScripts: 'dangerously'
      resources: object
      cookieJar: CookieJar
      virtualConsole: VirtualConsole
      beforeParse: (window: DOMWindow) => void
    },
  ) => { window: DOMWindow }
  ResourceLoader: new () => object
  CookieJar: new () => CookieJar
  VirtualConsole: new () => VirtualConsole
}

export const newCookieJar = (): CookieJar => new jsdom.CookieJar()

/** The production build, as the network serves it. */
export const tracker = readFileSync(new URL('../../tracker/dist/t.js', import.meta.url), 'utf8')

class NetworkLoader extends jsdom.ResourceLoader {
  fetch(url: string) {
    return url === NETWORK + '/t.js' ? Promise.resolve(Buffer.from(tracker)) : null
  }
}

export interface Hit {
  via: 'beacon' | 'fetch' | 'image'
  url: string
  /** The form-encoded fields, in the order sent (the image pixel's query string). */
  body: string
  fields: Record<string, string>
  init?: RequestInit
}

/** How the page's transports behave; by default none exists, as in jsdom, so hits fall back to the pixel. */
export interface Transports {
  beacon?: 'accept' | 'refuse' | 'throw'
  fetch?: 'resolve' | 'reject' | 'throw'
}

export interface PageOptions {
  url: string
  /** `data-*` attributes of the tag, camelCase as in `dataset`: `{ code: 'TC1', allowAutomation: '' }`. */
  data?: Record<string, string>
  /** Inline script run after the stub and before the tag (calls queued before the tracker loads). */
  before?: string
  body?: string
  /** How many copies of the tag the page carries. */
  copies?: number
  stub?: boolean
  transports?: Transports
  cookieJar?: CookieJar
  /** Runs before the page is parsed: break an API, pretend to be an automated browser… */
  setup?: (window: DOMWindow) => void
}

export interface Page {
  window: DOMWindow
  cookieJar: CookieJar
  hits: Hit[]
  /** Uncaught exceptions that reached the page (an unhandled rejection fails the vitest run itself). */
  errors: unknown[]
  /** What the tracker logged with console.debug (only under `data-debug`). */
  debug: string[]
  /** Runs script in the page, as the advertiser's own code would. */
  run: (script: string) => void
}

const attribute = (name: string) => 'data-' + name.replace(/[A-Z]/g, (letter) => '-' + letter.toLowerCase())

const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')

const record = (hits: Hit[], via: Hit['via'], url: string, body: string, init?: RequestInit) =>
  hits.push({ via, url, body, fields: Object.fromEntries(new URLSearchParams(body)), init })

const installTransports = (window: DOMWindow, hits: Hit[], transports: Transports) => {
  const { beacon, fetch } = transports
  if (beacon)
    window.navigator.sendBeacon = (url: string | URL, body?: BodyInit | null) => {
      if (beacon == 'throw') throw new window.TypeError('sendBeacon blocked')
      if (beacon == 'accept') record(hits, 'beacon', String(url), String(body))
      return beacon == 'accept'
    }
  if (fetch)
    window.fetch = (url: RequestInfo | URL, init?: RequestInit) => {
      if (fetch == 'throw') throw new window.TypeError('fetch blocked')
      if (fetch == 'reject') return Promise.reject(new window.TypeError('Failed to fetch'))
      record(hits, 'fetch', String(url), String(init?.body), init)
      return Promise.resolve({} as Response)
    }
  // The pixel: spy on every image's src, as a page's network panel would show it.
  const src = Object.getOwnPropertyDescriptor(window.HTMLImageElement.prototype, 'src')!
  Object.defineProperty(window.HTMLImageElement.prototype, 'src', {
    ...src,
    set(this: HTMLImageElement, value: string) {
      const url = new URL(value)
      record(hits, 'image', url.origin + url.pathname, url.search.slice(1))
      src.set!.call(this, value)
    },
  })
}

export const openPage = async (options: PageOptions): Promise<Page> => {
  const hits: Hit[] = []
  const errors: unknown[] = []
  const debug: string[] = []
  const cookieJar = options.cookieJar ?? newCookieJar()
  const virtualConsole = new jsdom.VirtualConsole()
  virtualConsole.on('jsdomError', (error) => errors.push(error))
  virtualConsole.on('debug', (...args: unknown[]) => debug.push(args.map(String).join(' ')))

  const data = Object.entries(options.data ?? {})
    .map(([name, value]) => (value === '' ? attribute(name) : `${attribute(name)}="${escape(value)}"`))
    .join(' ')
  const tag = `<script async src="${NETWORK}/t.js" ${data}></script>`
  const html =
    '<!DOCTYPE html><html><head>' +
    (options.stub === false ? '' : `<script>${STUB}</script>`) +
    (options.before ? `<script>${options.before}</script>` : '') +
    tag.repeat(options.copies ?? 1) +
    `</head><body>${options.body ?? ''}</body></html>`

  const dom = new jsdom.JSDOM(html, {
    url: options.url,
    runScripts: 'dangerously',
    resources: new NetworkLoader(),
    cookieJar,
    virtualConsole,
    beforeParse(window) {
      installTransports(window, hits, options.transports ?? {})
      options.setup?.(window)
    },
  })
  const { window } = dom
  // Async scripts delay the load event, so the tracker has run once it fires.
  await new Promise((resolve) => window.addEventListener('load', resolve))
  return { window, cookieJar, hits, errors, debug, run: (script) => window.eval(script) }
}

/** Lets promise callbacks (fetch's rejection → pixel) run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 10))

/** The `_nclid` cookie as the browser stored it, or undefined. */
export const storedCookie = (page: Page, url = page.window.location.href, name = '_nclid') =>
  page.cookieJar.getCookiesSync(url).find((cookie) => cookie.key == name)
