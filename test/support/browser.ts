import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { describe } from 'vitest'

/** The system Chromium (Debian's `chromium` package). Tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

export const chromiumPath = (): string | null => (existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : null)

/** Why browser tests are skipped on this machine, or null when Chromium is there. */
export const chromiumSkipReason = (): string | null =>
  chromiumPath() ? null : `skipped: Chromium not found at ${CHROMIUM_PATH} — apt-get install -y chromium`

/**
 * Headless, and quiet on the network: no update checks, sync or QUIC that could slow or flake a test. One
 * renderer may serve several sites (no site isolation): the pages are our own, and a renderer started for
 * every site of every fresh context was a fifth of the browser tests' time on two cores (the attribution
 * matrix: 118 s → 94 s). Cookies, SameSite and third-party blocking are the network service's, unchanged.
 */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
  // Alone, this one flag takes site isolation off (4 sites with a cross-site frame each: 11 renderers → 6). Not
  // `--disable-features=site-per-process`: the last --disable-features wins, and Playwright passes its own list.
  '--disable-site-isolation-trials',
]

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs })

let warned = false

/** A `describe` that runs only where Chromium is installed, and says once, plainly, when it is skipped. */
export const describeWithChromium = (name: string, fn: () => void): void => {
  const reason = chromiumSkipReason()
  if (!reason) return void describe(name, fn)
  if (!warned) console.warn(`${name}: ${reason}`)
  warned = true
  describe.skipIf(true)(`${name} (${reason})`, fn)
}
