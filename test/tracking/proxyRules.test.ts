// First-party mode, the shop's side, run for real: each generated reverse-proxy rule is started (Express in
// node, the Worker's handler on Node's fetch, nginx, Apache and Caddy when installed) in front of an echo
// server standing in for the network, and each server-side snippet (Node, PHP, Python) is run as a shop
// whose "network" is the echo server. The rules are judged by what arrives, not by their text: a rule that
// loses the key, forwards the shop's cookies or drops the body fails here. (Only the README check compares
// text, to keep the docs equal to what the portal generates.) Next.js is not run: it needs the next package.
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { proxyKey } from '../../server/src/tracking/firstParty.js'
import { proxyRules, serverSideSnippets } from '../../server/src/tracking/proxyRules.js'
import { freePort } from '../support/ports.js'

const KEY = proxyKey('proxy-rules-test-secret', 'acc_proxyrules')
const CODE = 'TCPROXYTEST1'
const SECRET = 'pb-secret_Zx9'
const FIRST = 'Xk3_9fQ-2LmZpW7aB1cD4e'
const LATEST = 'Qm8-Lp2_zYw4Rt6uV0bN1a'
/** The network's answer through the proxy: two cookies and a redirect pointing at the network itself. */
const SET_COOKIES = ['nw_click=fresh.signed; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax', 'nw_seen=1; Path=/']
const SCRIPT = '/* t.js */ (function () { window.nwLoaded = true })()\n'

interface Seen {
  method: string
  path: string
  query: string
  headers: IncomingHttpHeaders
  body: string
}

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

// --- the echo "network" ---------------------------------------------------------------------------------

let echo: Server
let networkUrl = ''
const seen: Seen[] = []
/** A Location on the network's own origin: nginx's default proxy_redirect would rewrite it, the rule must not. */
const location = () => `${networkUrl}/landed?from=network`

beforeAll(async () => {
  echo = createServer(async (req, res) => {
    let body = ''
    try {
      for await (const chunk of req) body += chunk
    } catch {
      return // a proxy that broke off mid-request (a test made to fail): nothing was seen
    }
    const [path = '', query = ''] = (req.url ?? '').split(/\?(.*)/s)
    seen.push({ method: req.method ?? '', path, query, headers: req.headers, body })
    if (path === '/postback') return void res.end('OK')
    // A streamed (chunked) body, as the network's t.js may come.
    if (path === '/t.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.write(SCRIPT.slice(0, 10))
      return void setTimeout(() => res.end(SCRIPT.slice(10)), 20)
    }
    res.writeHead(302, { location: location(), 'set-cookie': SET_COOKIES, 'content-length': '0' }).end()
  })
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
  networkUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve))
})

// --- helpers --------------------------------------------------------------------------------------------

const dirs: string[] = []
const children: ChildProcess[] = []

afterEach(async () => {
  await Promise.all(children.splice(0).map(stop))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  seen.length = 0
})

/** A temp folder that workers dropped to `nobody` (nginx, Apache as root) can read. */
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-rules-'))
  chmodSync(dir, 0o755)
  dirs.push(dir)
  return dir
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** Starts a server process and waits until its port answers; its output is kept for the failure message. */
async function start(command: string, args: string[], port: number, options: { cwd?: string; env?: Record<string, string> } = {}): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end()
        resolve(true)
      }).on('error', () => resolve(false))
    })
    if (open) return child
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${command} did not listen on ${port}:\n${output}`)
}

/** A plain HTTP request: nothing added, nothing followed, every header visible. */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, async (res) => {
      let body = ''
      for await (const chunk of res) body += chunk
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const binaryReason = (path: string, install: string): string | null => (existsSync(path) ? null : `skipped: ${path} not found — ${install}`)

/** An `it` that runs only where its program is installed, and says plainly why when it is skipped. */
function itWith(reason: string | null, name: string, fn: () => Promise<void>): void {
  if (!reason) return void it(name, fn)
  console.warn(`proxy rules, ${name}: ${reason}`)
  it.skip(`${name} (${reason})`, fn)
}

// --- the proxy rules ------------------------------------------------------------------------------------

const rules = () => proxyRules({ networkUrl, proxyKey: KEY })
const BODY = 'amount=19.95&id=1&nclid=Xk3_9fQ-2LmZpW7aB1cD4e'
/** What the visitor's browser sends: the network's cookie among the shop's own, and forged proxy headers. */
const visitorHeaders = {
  cookie: 'shop_session=secret; nw_click=abc; cart=3',
  'x-forwarded-for': '203.0.113.9',
  'x-nw-proxy': 'forged.key',
  'content-type': 'application/x-www-form-urlencoded',
}

/**
 * Through the shop's proxy on `shopUrl`: a POST pixel with a body and cookies, then a GET with only the shop's
 * cookies. `visitor` is the address the proxy saw the visitor at.
 */
async function expectProxied(shopUrl: string, visitor = '127.0.0.1', via: (url: string, o: Parameters<typeof send>[1]) => Promise<Answer> = send): Promise<void> {
  const answer = await via(`${shopUrl}/_nw/px?t=X;id=1`, { method: 'POST', headers: visitorHeaders, body: BODY })
  expect(seen).toHaveLength(1)
  const hit = seen[0]!
  expect(hit.method).toBe('POST')
  expect(hit.path).toBe('/px')
  expect(hit.query).toBe('t=X;id=1')
  expect(hit.body).toBe(BODY)
  expect(hit.headers.host).toBe(new URL(networkUrl).host)
  expect(hit.headers['x-nw-proxy']).toBe(KEY)
  const forwarded = String(hit.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim())
  expect(forwarded.at(-1)).toBe(visitor)
  expect(hit.headers.cookie).toBe('nw_click=abc')
  expect(answer.status).toBe(302)
  expect(answer.headers.location).toBe(location())
  expect(answer.headers['set-cookie']).toEqual(SET_COOKIES)

  // A visitor without the network's cookie: the shop's cookies still stay home (nginx and Caddy send an
  // empty nw_click=, which the network ignores).
  seen.length = 0
  await via(`${shopUrl}/_nw/healthz`, { headers: { cookie: 'shop_session=secret' } })
  expect(seen.map((s) => [s.method, s.path])).toEqual([['GET', '/healthz']])
  expect(seen[0]!.headers.cookie ?? '').toMatch(/^(nw_click=)?$/)

  // An answer with a body, streamed: the script comes through whole.
  const script = await via(`${shopUrl}/_nw/t.js`, {})
  expect([script.status, script.body]).toEqual([200, SCRIPT])
}

const expressUrl = pathToFileURL(createRequire(join(process.cwd(), 'server/package.json')).resolve('express')).href

describe('proxy rules, run in front of an echo network', () => {
  it('Express: the middleware as generated, mounted on /_nw', async () => {
    const dir = folder()
    const port = await freePort()
    writeFileSync(join(dir, 'shop.mjs'), `import express from '${expressUrl}'
const app = express()
${rules().express}
app.listen(${port}, '127.0.0.1')
`)
    await start(process.execPath, [join(dir, 'shop.mjs')], port)
    await expectProxied(`http://127.0.0.1:${port}`)
  })

  it('Cloudflare Worker: its fetch handler, run on Node\'s fetch', async () => {
    const dir = folder()
    writeFileSync(join(dir, 'worker.mjs'), rules().cloudflareWorker)
    const worker = (await import(pathToFileURL(join(dir, 'worker.mjs')).href)).default as { fetch(request: Request): Promise<Response> }
    // Cloudflare hands the Worker the visitor's address as CF-Connecting-IP.
    const via = async (url: string, o: Parameters<typeof send>[1] = {}): Promise<Answer> => {
      const response = await worker.fetch(new Request(url.replace(/^http:\/\/shop/, 'https://shop.example'), {
        method: o.method, headers: { ...o.headers, 'cf-connecting-ip': '198.51.100.7' }, body: o.body,
      }))
      const headers: IncomingHttpHeaders = Object.fromEntries(response.headers)
      headers['set-cookie'] = response.headers.getSetCookie()
      return { status: response.status, headers, body: await response.text() }
    }
    await expectProxied('http://shop', '198.51.100.7', via)
  })

  itWith(binaryReason('/usr/sbin/nginx', 'apt-get install -y nginx-light'), 'nginx: the location block inside a server { }', async () => {
    const dir = folder()
    const port = await freePort()
    writeFileSync(join(dir, 'nginx.conf'), `worker_processes 1;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    server {
        listen 127.0.0.1:${port};
${rules().nginx}
    }
}
`)
    await start('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'], port)
    await expectProxied(`http://127.0.0.1:${port}`)
  })

  itWith(binaryReason('/usr/sbin/apache2', 'apt-get install -y apache2-bin'), 'Apache: the rule inside a <VirtualHost>', async () => {
    const dir = folder()
    const port = await freePort()
    const modules = ['mpm_event', 'authn_core', 'authz_core', 'proxy', 'proxy_http', 'headers', 'setenvif', 'ssl']
    mkdirSync(join(dir, 'run'))
    writeFileSync(join(dir, 'httpd.conf'), `ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
DefaultRuntimeDir ${dir}/run
Mutex file:${dir}/run default
ErrorLog ${dir}/error.log
LogLevel warn
${modules.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`).join('\n')}
${process.getuid?.() === 0 ? 'User nobody\nGroup nogroup' : ''}
<VirtualHost 127.0.0.1:${port}>
${rules().apache}
</VirtualHost>
`)
    await start('/usr/sbin/apache2', ['-d', dir, '-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], port)
    await expectProxied(`http://127.0.0.1:${port}`)
  })

  itWith(binaryReason('/usr/bin/caddy', 'apt-get install -y caddy'), 'Caddy: the handle_path block inside a site', async () => {
    const dir = folder()
    const port = await freePort()
    writeFileSync(join(dir, 'Caddyfile'), `{
	admin off
	auto_https off
}
http://127.0.0.1:${port} {
	bind 127.0.0.1
${rules().caddy}
}
`)
    await start('/usr/bin/caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], port, {
      env: { HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
    })
    await expectProxied(`http://127.0.0.1:${port}`)
  })
})

describe('the README', () => {
  it('shows the generated rules and snippets, with its placeholders', () => {
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8')
    const shown = { networkUrl: 'https://network.example' }
    const texts = [
      ...Object.values(proxyRules({ ...shown, path: '/_nw', proxyKey: '<your proxy key from the portal>' })),
      ...Object.values(serverSideSnippets({ ...shown, code: 'TRACKING_CODE', secret: 'POSTBACK_SECRET' })),
    ]
    for (const text of texts) expect(readme).toContain(text)
  })
})

// --- the server-side snippets ---------------------------------------------------------------------------

/** Set-Cookie values as a cookie jar would keep them: name → value. */
function keep(jar: Map<string, string>, answer: Answer): string[] {
  const set = answer.headers['set-cookie'] ?? []
  for (const cookie of set) {
    const [pair = ''] = cookie.split(';')
    const eq = pair.indexOf('=')
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
  }
  return set
}

const jarHeader = (jar: Map<string, string>) => ({ cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') })

/**
 * A shop on `shopUrl` that runs the snippet: `/landing?nclid=…` keeps the click, `/order?id&amount&currency`
 * reports it. Two landings, a malformed id, then an order whose id needs URL-encoding.
 */
async function expectServerSide(shopUrl: string): Promise<void> {
  const jar = new Map<string, string>()
  const first = keep(jar, await send(`${shopUrl}/landing?nclid=${FIRST}`))
  expect(first.map((c) => c.split(';')[0])).toEqual([`nclid=${FIRST}`, `nclid1=${FIRST}`])
  for (const cookie of first) {
    expect(cookie).toMatch(/;\s*HttpOnly/i)
    expect(cookie).toMatch(/;\s*Max-Age=2592000/i)
    expect(cookie).toMatch(/;\s*Path=\//i)
  }

  const second = keep(jar, await send(`${shopUrl}/landing?nclid=${LATEST}`, { headers: jarHeader(jar) }))
  expect(second.map((c) => c.split(';')[0])).toEqual([`nclid=${LATEST}`])

  // An id that would add cookie attributes of the visitor's choosing is not kept.
  const forged = await send(`${shopUrl}/landing?nclid=${encodeURIComponent('Xk3_9fQ-2LmZpW7aB1cD4e; Domain=evil.example')}`, { headers: jarHeader(jar) })
  expect(forged.headers['set-cookie'] ?? []).toEqual([])

  const orderId = 'A&B 1/2+ü'
  const ordered = await send(`${shopUrl}/order?id=${encodeURIComponent(orderId)}&amount=19.95&currency=EUR`, { headers: jarHeader(jar) })
  expect(ordered.status).toBe(200)
  const postbacks = seen.filter((s) => s.path === '/postback')
  expect(postbacks).toHaveLength(1)
  const { method, query } = postbacks[0]!
  expect(method).toBe('GET')
  expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
    t: CODE, id: orderId, amount: '19.95', currency: 'EUR', nclid: LATEST, nclid1: FIRST, token: SECRET,
  })
  // Encoded, not pasted: the order id's & does not start a parameter of its own.
  expect(query).not.toContain('A&B')
}

describe('server-side snippets, run as a shop against an echo network', () => {
  const snippets = () => serverSideSnippets({ networkUrl, code: CODE, secret: SECRET })

  it('Node: keepClick on landing requests, reportOrder at checkout', async () => {
    const dir = folder()
    const port = await freePort()
    writeFileSync(join(dir, 'nw.mjs'), snippets().node)
    writeFileSync(join(dir, 'shop.mjs'), `import http from 'node:http'
import { keepClick, reportOrder } from './nw.mjs'
http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://shop')
  if (url.pathname === '/order') {
    await reportOrder(req, { id: url.searchParams.get('id'), amount: url.searchParams.get('amount'), currency: url.searchParams.get('currency') })
    return res.end('ordered')
  }
  keepClick(req, res)
  res.end('landing')
}).listen(${port}, '127.0.0.1')
`)
    await start(process.execPath, [join(dir, 'shop.mjs')], port)
    await expectServerSide(`http://127.0.0.1:${port}`)
  })

  itWith(binaryReason('/usr/bin/php', 'apt-get install -y php-cli'), 'PHP: the include on every page, nw_report_order at checkout', async () => {
    const dir = folder()
    const port = await freePort()
    writeFileSync(join(dir, 'nw.php'), snippets().php)
    writeFileSync(join(dir, 'router.php'), `<?php
require __DIR__ . '/nw.php';
if (parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) === '/order') {
    nw_report_order($_GET['id'], $_GET['amount'], $_GET['currency']);
    echo 'ordered';
} else {
    echo 'landing';
}
`)
    await start('/usr/bin/php', ['-S', `127.0.0.1:${port}`, join(dir, 'router.php')], port, { cwd: dir })
    await expectServerSide(`http://127.0.0.1:${port}`)
  })

  itWith(binaryReason('/usr/bin/python3', 'apt-get install -y python3'), 'Python: landing_cookies and report_order in http.server', async () => {
    const dir = folder()
    const port = await freePort()
    writeFileSync(join(dir, 'nw.py'), snippets().python)
    writeFileSync(join(dir, 'shop.py'), `import http.cookies, http.server, urllib.parse
from nw import landing_cookies, report_order

class Shop(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        cookies = {k: m.value for k, m in http.cookies.SimpleCookie(self.headers.get("Cookie", "")).items()}
        self.send_response(200)
        if url.path == "/order":
            report_order(cookies, query["id"], query["amount"], query["currency"])
        else:
            for value in landing_cookies(query.get("nclid"), cookies):
                self.send_header("Set-Cookie", value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", ${port}), Shop).serve_forever()
`)
    await start('/usr/bin/python3', [join(dir, 'shop.py')], port, { cwd: dir })
    await expectServerSide(`http://127.0.0.1:${port}`)
  })
})
