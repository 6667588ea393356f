// Real hostnames for browser tests: Chromium resolves every `*.test` name to 127.0.0.1, so a publisher's
// blog, the network and a shop (and its subdomains) are different sites, as on the web, though all run here.
// Third-party cookies are blocked or allowed by the browser's own preference, set before it starts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM_PATH, chromiumArgs } from './browser.js'

/** Every `*.test` host is this machine. */
export const hostResolverRules = '--host-resolver-rules=MAP *.test 127.0.0.1'

export type ThirdPartyCookies = 'blocked' | 'allowed'

/**
 * Chromium's cookie setting (`profile.cookie_controls_mode`, what chrome://settings/cookies writes): 0 allows
 * third-party cookies, 1 blocks them. Browser contexts made with `newContext()` inherit it from the profile.
 */
const cookieControlsMode: Record<ThirdPartyCookies, number> = { allowed: 0, blocked: 1 }

export interface HostBrowser {
  browser: Browser
  thirdPartyCookies: ThirdPartyCookies
  close(): Promise<void>
}

/**
 * Debian's Chromium, headless and quiet as launchChromium starts it, resolving `*.test` to 127.0.0.1, with
 * third-party cookies set as asked. `secureOrigins` are treated as secure although served over http (so a
 * `SameSite=None; Secure` probe cookie can live on them).
 */
export async function launchHostBrowser(thirdPartyCookies: ThirdPartyCookies, secureOrigins: string[] = []): Promise<HostBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-hosts-'))
  mkdirSync(join(profile, 'Default'))
  writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: cookieControlsMode[thirdPartyCookies] } }))
  const persistent = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: [
      ...chromiumArgs, hostResolverRules,
      ...(secureOrigins.length ? [`--unsafely-treat-insecure-origin-as-secure=${secureOrigins.join(',')}`] : []),
    ],
  })
  const browser = persistent.browser()
  if (!browser) throw new Error('Chromium gave no browser for its persistent context')
  return {
    browser,
    thirdPartyCookies,
    async close() {
      await persistent.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer'])

/** The raw value of one cookie in a Cookie header, or undefined. */
export const cookieValue = (header: string | undefined, name: string): string | undefined =>
  header?.split(/;\s*/).find((pair) => pair.startsWith(`${name}=`))?.slice(name.length + 1)

/**
 * A shop's first-party proxy rule, as one nginx `location` would do it: `/<prefix>/<anything>` goes to
 * `<network>/<anything>` (prefix stripped, query, method and body kept, Host = the network's), with the
 * visitor's address appended to X-Forwarded-For, the advertiser's proxy key in X-Nw-Proxy, and only the
 * network's cookie forwarded. The answer comes back as it is (Set-Cookie and Location included).
 */
export function forwardToNetwork(network: URL, proxyKey: string, prefix: string, cookieName = 'nw_click') {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').slice(prefix.length) || '/'
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !hopByHop.has(name) && name !== 'cookie' && name !== 'host') headers[name] = value
    }
    headers.host = network.host
    const forwarded = req.headers['x-forwarded-for']
    headers['x-forwarded-for'] = [forwarded, req.socket.remoteAddress].filter(Boolean).join(', ')
    headers['x-nw-proxy'] = proxyKey
    const cookie = cookieValue(req.headers.cookie, cookieName)
    if (cookie !== undefined) headers.cookie = `${cookieName}=${cookie}`
    // `*.test` names resolve to 127.0.0.1 only inside the browser: the proxy connects to the address itself.
    const upstream = httpRequest({ host: '127.0.0.1', port: network.port, method: req.method, path, headers }, (answer) => {
      const back: Record<string, string | string[]> = {}
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !hopByHop.has(name)) back[name] = value
      res.writeHead(answer.statusCode ?? 502, back)
      answer.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('bad gateway')
    })
    req.pipe(upstream)
  }
}
