// First-party mode, the shop's side: copy-ready text of the one reverse-proxy rule per platform that maps
// `<path>/*` on the shop to the network, and server-side snippets for shops that cannot proxy at all.
// Pure functions of already-known values (the network's public URL, the advertiser's proxy key, a tracking
// code): the portal and the README show the same text, and test/tracking/proxyRules.test.ts runs it.
// The strings are plain text — whoever shows them escapes them.

export interface ProxyRuleInput {
  /** The network's public origin, e.g. `https://network.example` (a trailing slash or path is ignored). */
  networkUrl: string
  /** The path on the shop mapped to the network (the campaign's `firstPartyPath`); default `/_nw`. */
  path?: string
  /** The advertiser's proxy key (`proxyKey(cookieSecret, advertiserId)`), sent as `X-Nw-Proxy`. */
  proxyKey: string
}

export interface ProxyRules {
  nginx: string
  apache: string
  caddy: string
  cloudflareWorker: string
  nextjs: string
  express: string
}

export interface ServerSideInput {
  networkUrl: string
  /** The tracking code (t=…). */
  code: string
  /** The tracking code's postback secret (token=…). */
  secret: string
}

export interface ServerSideSnippets {
  node: string
  php: string
  python: string
}

export const defaultProxyPath = '/_nw'

/** The network's origin: the rules map onto its root, so any path of the URL would only mislead. */
function networkOf(networkUrl: string): URL {
  const url = new URL(networkUrl)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`networkUrl must be http(s): ${networkUrl}`)
  return new URL(url.origin)
}

/** `/_nw`, `_nw/` → `/_nw`. Only URL-safe segments: the path lands unquoted in nginx, Apache and Caddy configs. */
function normalizeProxyPath(path: string): string {
  const trimmed = `/${path.replace(/^\/+|\/+$/g, '')}`
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed)) throw new Error(`not a usable proxy path: ${path}`)
  return trimmed
}

/** Values land inside quotes in six syntaxes: refuse what would end the quote or the line in any of them. */
function plain(name: string, value: string): string {
  if (/["'`\\$\r\n{}%\0]/.test(value)) throw new Error(`${name} contains a character the snippets cannot quote`)
  return value
}

export function proxyRules({ networkUrl, path = defaultProxyPath, proxyKey }: ProxyRuleInput): ProxyRules {
  const network = networkOf(networkUrl)
  const origin = network.origin
  const host = network.host
  const p = normalizeProxyPath(path)
  const key = plain('proxyKey', proxyKey)
  const onlyOurCookie = 'only the network\'s cookie nw_click, never your own session cookies'
  const unchanged = 'Set-Cookie and Location come back as the network sent them'

  const nginx = `# nginx, in your site's server { } block: ${p}/… on your site → ${origin}/…
location ${p}/ {
    proxy_pass ${origin}/;
    proxy_set_header Host ${host};
    proxy_ssl_server_name on;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Nw-Proxy "${key}";
    # ${onlyOurCookie}
    proxy_set_header Cookie "nw_click=$cookie_nw_click";
    # ${unchanged}
    proxy_redirect off;
}`

  // mod_proxy_http appends X-Forwarded-For itself, and with ProxyPreserveHost Off sends the network's Host
  // and SNI. No ProxyPassReverse, so Location is left alone.
  const apache = `# Apache 2.4, in your site's <VirtualHost>: ${p}/… on your site → ${origin}/…
# Needs: a2enmod proxy proxy_http headers setenvif ssl. mod_proxy_http appends X-Forwarded-For itself.
SSLProxyEngine on
<Location "${p}/">
    ProxyPass "${origin}/"
    ProxyPreserveHost Off
    RequestHeader set X-Nw-Proxy "${key}"
    # ${onlyOurCookie}
    SetEnvIf Cookie "(^|;\\s*)nw_click=([^;]+)" NW_CLICK=$2
    RequestHeader set Cookie "nw_click=%{NW_CLICK}e" env=NW_CLICK
    RequestHeader unset Cookie env=!NW_CLICK
    # no ProxyPassReverse: ${unchanged}
</Location>`

  // Caddy sends the visitor's Host unless told otherwise, and sets X-Forwarded-For to the visitor's address.
  // The cookie goes through matchers: a `{http.request.cookie.nw_click}` placeholder would be sent literally
  // when the visitor has no such cookie.
  const caddy = `# Caddy 2, in your site's block of the Caddyfile: ${p}/… on your site → ${origin}/…
handle_path ${p}/* {
	# ${onlyOurCookie}
	@click header_regexp click Cookie (?:^|;\\s*)nw_click=([^;]+)
	request_header @click Cookie "nw_click={re.click.1}"
	@noclick not header_regexp Cookie (?:^|;\\s*)nw_click=
	request_header @noclick -Cookie
	reverse_proxy ${origin} {
		header_up Host {upstream_hostport}
		header_up X-Nw-Proxy "${key}"
		# ${unchanged}
	}
}`

  const cloudflareWorker = `// Cloudflare Worker on the route your-shop.example${p}/* : ${p}/… on your site → ${origin}/…
const NETWORK = '${origin}'
const PREFIX = '${p}'
const PROXY_KEY = '${key}'

export default {
  async fetch(request) {
    const url = new URL(request.url)
    const headers = new Headers(request.headers)
    headers.delete('host') // fetch sends the network's own Host (and TLS name)
    headers.set('x-nw-proxy', PROXY_KEY)
    // the visitor's address, appended: the network reads the last entry
    const visitor = request.headers.get('cf-connecting-ip')
    const forwarded = request.headers.get('x-forwarded-for')
    if (visitor) headers.set('x-forwarded-for', forwarded ? \`\${forwarded}, \${visitor}\` : visitor)
    // ${onlyOurCookie}
    const click = /(?:^|;\\s*)nw_click=([^;]*)/.exec(request.headers.get('cookie') ?? '')
    if (click) headers.set('cookie', \`nw_click=\${click[1]}\`)
    else headers.delete('cookie')
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
    // redirect: 'manual' and the answer as is: ${unchanged}
    return fetch(NETWORK + url.pathname.slice(PREFIX.length) + url.search, { method: request.method, headers, body, redirect: 'manual' })
  },
}`

  // Rewrites are proxied by Next's own server (http-proxy with changeOrigin and xfwd): Host and
  // X-Forwarded-For are right, but there is no place to add a header or drop cookies.
  const nextjs = `// Next.js, next.config.js: ${p}/… on your site → ${origin}/…
// A rewrite alone CANNOT add headers: the network does not get X-Nw-Proxy (every visitor then looks like
// your server, and per-visitor limits hit all of them together) and it gets all your cookies. Use the
// middleware below instead (Next.js 13.4+, next start): it sends the key and only the network's cookie.
module.exports = {
  async rewrites() {
    return [{ source: '${p}/:path*', destination: '${origin}/:path*' }]
  },
}

// middleware.js (instead of the rewrite), beside next.config.js. Next's proxy sets Host and X-Forwarded-For.
import { NextResponse } from 'next/server'

export const config = { matcher: '${p}/:path*' }

export function middleware(request) {
  const headers = new Headers(request.headers)
  headers.set('x-nw-proxy', '${key}')
  const click = request.cookies.get('nw_click')
  if (click) headers.set('cookie', \`nw_click=\${click.value}\`)
  else headers.delete('cookie')
  return NextResponse.rewrite(new URL(request.nextUrl.pathname.slice(${p.length}) + request.nextUrl.search, '${origin}'), { request: { headers } })
}`

  const express = `// Express (an ES module; Node 18+, no extra package): ${p}/… on your site → ${origin}/…
// Mount it before any body parser: the request body is streamed to the network as it arrives.
import http from 'node:http'
import https from 'node:https'

const NETWORK = new URL('${origin}')
const PROXY_KEY = '${key}'

export function networkProxy(req, res) {
  const headers = { ...req.headers, host: NETWORK.host, 'x-nw-proxy': PROXY_KEY }
  // the visitor's address, appended (req.ip follows your app's 'trust proxy'): the network reads the last entry
  const visitor = req.ip ?? req.socket.remoteAddress
  headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? \`\${req.headers['x-forwarded-for']}, \${visitor}\` : visitor
  // ${onlyOurCookie}
  const click = /(?:^|;\\s*)nw_click=([^;]*)/.exec(req.headers.cookie ?? '')
  delete headers.cookie
  if (click) headers.cookie = \`nw_click=\${click[1]}\`
  // req.url has the mount path stripped: '${p}/px?t=…' arrives as '/px?t=…'
  const upstream = (NETWORK.protocol === 'https:' ? https : http).request(NETWORK, { method: req.method, path: req.url, headers }, (answer) => {
    // ${unchanged}
    res.writeHead(answer.statusCode, answer.headers)
    answer.pipe(res)
  })
  upstream.setTimeout(10_000, () => upstream.destroy(new Error('network timeout')))
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  })
  req.pipe(upstream)
}

app.use('${p}', networkProxy)`

  return { nginx, apache, caddy, cloudflareWorker, nextjs, express }
}

export function serverSideSnippets({ networkUrl, code, secret }: ServerSideInput): ServerSideSnippets {
  const origin = networkOf(networkUrl).origin
  const t = plain('code', code)
  const token = plain('secret', secret)

  // The click id is checked against the network's own format before it becomes a cookie: a value with `;`
  // or a line break would otherwise add cookie attributes or headers of the visitor's choosing.
  const node = `// Node 18+ (node:http or Express), no extra package. Without a proxy: keep the click id in your own
// HttpOnly cookie on the landing request, report the order by postback from your server.
const NETWORK = '${origin}'
const CODE = '${t}'
const SECRET = '${token}' // the postback secret: keep it on the server
const KEEP = '; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax' // 30 days

const cookiesOf = (req) => Object.fromEntries((req.headers.cookie ?? '').split(/;\\s*/).filter(Boolean)
  .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]))

// 1. On every request that may be a landing (before the answer is sent): nclid = latest, nclid1 = first.
export function keepClick(req, res) {
  const nclid = new URL(req.url, 'http://shop').searchParams.get('nclid')
  if (!nclid || !/^[A-Za-z0-9_-]{16,64}$/.test(nclid)) return
  const set = [\`nclid=\${nclid}\${KEEP}\`]
  if (!cookiesOf(req).nclid1) set.push(\`nclid1=\${nclid}\${KEEP}\`)
  res.setHeader('Set-Cookie', [res.getHeader('Set-Cookie') ?? []].flat().concat(set))
}

// 2. When the order is placed. A 3 s timeout: the network never holds up your checkout.
export async function reportOrder(req, order) {
  const { nclid, nclid1 } = cookiesOf(req)
  const query = new URLSearchParams({ t: CODE, id: order.id, amount: order.amount, currency: order.currency })
  if (nclid) query.set('nclid', nclid)
  if (nclid1) query.set('nclid1', nclid1)
  query.set('token', SECRET)
  const answer = await fetch(\`\${NETWORK}/postback?\${query}\`, { signal: AbortSignal.timeout(3000) }).catch((error) => error)
  if (!answer.ok) console.warn('network postback failed:', answer.status ?? answer.message)
}`

  const php = `<?php
// PHP 7.3+: include this file at the top of every page (before any output). Without a proxy: it keeps the
// click id in your own HttpOnly cookie; call nw_report_order() when the order is placed.
const NW_NETWORK = '${origin}';
const NW_CODE = '${t}';
const NW_SECRET = '${token}'; // the postback secret: keep it on the server

// 1. Landing: nclid = the latest click id, nclid1 = the first (written only when absent), for 30 days.
$nclid = $_GET['nclid'] ?? '';
if (is_string($nclid) && preg_match('/^[A-Za-z0-9_-]{16,64}$/', $nclid)) {
    $keep = ['expires' => time() + 30 * 86400, 'path' => '/', 'secure' => true, 'httponly' => true, 'samesite' => 'Lax'];
    setcookie('nclid', $nclid, $keep);
    if (!isset($_COOKIE['nclid1'])) setcookie('nclid1', $nclid, $keep);
}

// 2. Order placed: the postback, with a 3 s timeout so the network never holds up your checkout.
function nw_report_order(string $orderId, string $amount, string $currency): void {
    $query = ['t' => NW_CODE, 'id' => $orderId, 'amount' => $amount, 'currency' => $currency];
    if (!empty($_COOKIE['nclid'])) $query['nclid'] = $_COOKIE['nclid'];
    if (!empty($_COOKIE['nclid1'])) $query['nclid1'] = $_COOKIE['nclid1'];
    $query['token'] = NW_SECRET;
    $context = stream_context_create(['http' => ['timeout' => 3, 'ignore_errors' => true]]);
    if (@file_get_contents(NW_NETWORK . '/postback?' . http_build_query($query), false, $context) === false) {
        error_log('network postback failed');
    }
}`

  const python = `# Python 3, standard library only. Without a proxy: keep the click id in your own HttpOnly cookie on the
# landing request, report the order by postback from your server. Flask wiring at the end.
import re, urllib.parse, urllib.request

NETWORK = "${origin}"
CODE = "${t}"
SECRET = "${token}"  # the postback secret: keep it on the server
KEEP = "; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax"  # 30 days


def landing_cookies(nclid, cookies):
    """1. On every request that may be a landing: the Set-Cookie values (nclid = latest, nclid1 = first)."""
    if not nclid or not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", nclid):
        return []
    return [f"nclid={nclid}{KEEP}"] + ([] if cookies.get("nclid1") else [f"nclid1={nclid}{KEEP}"])


def report_order(cookies, order_id, amount, currency):
    """2. When the order is placed. A 3 s timeout: the network never holds up your checkout."""
    query = {"t": CODE, "id": order_id, "amount": amount, "currency": currency,
             "nclid": cookies.get("nclid"), "nclid1": cookies.get("nclid1"), "token": SECRET}
    url = NETWORK + "/postback?" + urllib.parse.urlencode({k: v for k, v in query.items() if v})
    try:
        urllib.request.urlopen(url, timeout=3).close()
    except OSError as error:
        print("network postback failed:", error)

# Flask:
#   @app.after_request
#   def keep_click(response):
#       for value in landing_cookies(request.args.get("nclid"), request.cookies):
#           response.headers.add("Set-Cookie", value)
#       return response
#   ...and at checkout: report_order(request.cookies, order.id, str(order.total), "EUR")`

  return { node, php, python }
}
