// The whole demo for end-to-end journeys: a network in-process with the demo data, the demo sites (shop,
// garden, blog) on free ports, and a real Chromium. Each step that fails leaves a screenshot in test/artifacts/.
import { freePort } from '../support/ports.js'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startDemoShop, type DemoShop } from '../../demo-shop/server.mjs'
import { launchChromium } from '../support/browser.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'

export const artifactsDir = fileURLToPath(new URL('../artifacts/', import.meta.url))

export type DemoRole = 'advertiser' | 'publisher' | 'admin' | 'garden'

export interface Demo {
  network: TestNetwork
  sites: DemoShop & { gardenUrl: string; blogUrl: string }
  browser: Browser
  /** A demo account's credentials, by the seed's role names (advertiser = Demo Shop, garden = Demo Garden). */
  account(role: DemoRole): { email: string; apiKey: string; password: string }
  /** A demo account's API key. */
  key(role: DemoRole): string
  /** Problems the demo sites reported (a refused order notification): a journey expects none. */
  siteProblems: string[]
  stop(): Promise<void>
}


export async function startDemo(): Promise<Demo> {
  const [shopPort, gardenPort, blogPort] = [await freePort(), await freePort(), await freePort()]
  // The seed registers the demo sites' URLs (landing pages, redirection URLs) from these ports.
  const network = await startTestNetwork({
    SEED_DEMO: 'true', DEMO_SHOP_PORT: String(shopPort), DEMO_GARDEN_PORT: String(gardenPort), DEMO_BLOG_PORT: String(blogPort),
  })
  const account = (role: DemoRole) => {
    const found = network.demo?.accounts.find((a) => a.role === role)
    if (!found) throw new Error(`the demo seed has no ${role} account`)
    return found
  }
  const key = (role: DemoRole) => account(role).apiKey
  const siteProblems: string[] = []
  let sites: DemoShop | undefined
  let browser: Browser | undefined
  try {
    sites = await startDemoShop({
      port: shopPort, gardenPort, blogPort, host: '127.0.0.1', networkUrl: network.url,
      apiKey: key('advertiser'), allowAutomation: true, log: (message) => void siteProblems.push(message),
    })
    browser = await launchChromium()
  } catch (error) {
    await sites?.stop()
    await network.destroy()
    throw error
  }
  const started = sites
  const chromium = browser
  return {
    network,
    sites: started as Demo['sites'],
    browser: chromium,
    account,
    key,
    siteProblems,
    async stop() {
      await chromium.close()
      await started.stop()
      await network.destroy()
    },
  }
}

/**
 * A buyer's browser. Headless Chromium names itself HeadlessChrome, which the network rightly counts as a
 * bot click; a buyer's browser does not.
 */
export async function buyerContext(browser: Browser): Promise<BrowserContext> {
  const version = browser.version()
  return browser.newContext({
    viewport: { width: 1280, height: 900 },
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version} Safari/537.36`,
  })
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80)

/** Runs one step of a journey; when it fails, keeps a screenshot of the page and names it in the error. */
export function stepper(page: Page, journey: string) {
  let n = 0
  return async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
    n++
    try {
      return await run()
    } catch (error) {
      mkdirSync(artifactsDir, { recursive: true })
      const file = `${artifactsDir}${slug(journey)}--${String(n).padStart(2, '0')}-${slug(name)}.png`
      const saved = await page.screenshot({ path: file, fullPage: true }).then(() => true, () => false)
      if (error instanceof Error) error.message = `step "${name}" failed at ${page.url()}: ${error.message}${saved ? `\nscreenshot: ${file}` : ''}`
      throw error
    }
  }
}

/** Calls the network's JSON API with an API key. */
export async function api<T>(network: TestNetwork, apiKey: string, path: string): Promise<T> {
  const res = await fetch(`${network.url}/api/v1${path}`, { headers: { Authorization: `Bearer ${apiKey}` } })
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

export { eventually } from '../support/eventually.js'

export interface MoneyJson {
  amount: number
  currency: string
  formatted: string
}

export interface ConversionJson {
  id: string
  orderId: string
  type: 'sale' | 'lead'
  status: string
  source: string
  reason: string
  campaignId: string | null
  trackingCodeId: string | null
  publisherId: string | null
  clickId: string | null
  amount: MoneyJson
  commission: MoneyJson
}

/** Cents as the portal writes them: 1250 → "12.50 EUR". */
export const eurText = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')} EUR`

/** The approved EUR balance of an account, in cents. */
export async function approvedEur(network: TestNetwork, apiKey: string): Promise<number> {
  const { balances } = await api<{ balances: { currency: string; approved: MoneyJson }[] }>(network, apiKey, '/balance')
  return balances.find((b) => b.currency === 'EUR')?.approved.amount ?? 0
}

/** A conversion by order id, as the given side of the account sees it. */
export async function findConversion(network: TestNetwork, apiKey: string, side: 'advertiser' | 'publisher', match: (c: ConversionJson) => boolean) {
  const { conversions } = await api<{ conversions: ConversionJson[] }>(network, apiKey, `/conversions?as=${side}&limit=500`)
  return conversions.find(match)
}
