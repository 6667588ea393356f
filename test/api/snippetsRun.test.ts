// The snippets advertisers and shops paste, run for real against a started network: the tracking code's API
// calls as GET /api/v1/tracking-codes/:id serves them (cURL, Node, PHP, Python), the portal's order calls
// (portal/orderSnippets.ts), and the README's own code blocks ("Using the API", "For shops"). Each is run as the
// text it is — only its placeholders filled in, as the person pasting it would (ORDER_ID, CLICK_ID, the
// `order` their code has) — by curl, in-process Node, php and python3, and must leave a real conversion or order
// in the store. test/api/snippets.test.ts pins the text; this file proves it works.
import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newApiKey, newId } from '../../server/src/ids.js'
import { orderSnippets } from '../../server/src/monetize/orderSnippets.js'
import type { Snippets } from '../../server/src/trackingCodes/snippets.js'
import { clickLink, createScenario, type Scenario } from '../support/fixtures.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'

// --- interpreters: run where installed, say plainly why not elsewhere ----------------------------------------

const works = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  return !result.error && result.status === 0
}
const curlReason = works('curl', ['--version']) ? null : 'skipped: curl not found — apt-get install -y curl'
const bashReason = works('bash', ['-c', 'true']) ? null : 'skipped: bash not found'
const pythonReason = works('python3', ['--version']) ? null : 'skipped: python3 not found — apt-get install -y python3'
const phpReason = !works('php', ['--version'])
  ? 'skipped: php not found — apt-get install -y php-cli php-curl'
  : !works('php', ['-r', 'exit(function_exists("curl_init") ? 0 : 1);'])
    ? 'skipped: php has no curl extension, which the PHP snippets use — apt-get install -y php-curl'
    : null
const either = (...reasons: (string | null)[]) => reasons.find((r) => r !== null) ?? null

/** An `it` that runs only where its interpreter is installed, and says why when it is skipped. */
function itWith(reason: string | null, name: string, fn: () => Promise<void>): void {
  if (!reason) return void it(name, fn, 30_000)
  console.warn(`snippets, ${name}: ${reason}`)
  it.skip(`${name} (${reason})`, fn)
}

/** Runs a program without blocking the event loop (the network answering the snippet runs in this process). */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...process.env, ...env }, timeout: 20_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${stdout}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

/** Runs Node code as a module body would (top-level await), in this process, with the given `process.env` and variables. */
async function runNode(code: string, env: Record<string, string>, variables: Record<string, unknown> = {}): Promise<void> {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>
  const names = Object.keys(variables)
  await new AsyncFunction('process', ...names, code)({ ...process, env: { ...process.env, ...env } }, ...names.map((n) => variables[n]))
}

let dir: string
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/** PHP as a shop's server runs it: the snippet file unchanged, the request's state before it, what it left after it. */
const runPhp = (snippet: string, prelude: string, env: Record<string, string>) =>
  run('php', [
    '-d', `auto_prepend_file=${file(`prelude-${newId('p')}.php`, `<?php\n${prelude}\n`)}`,
    '-d', `auto_append_file=${file(`report-${newId('p')}.php`, "<?php\necho json_encode(['status' => $status ?? null, 'response' => $response ?? null]);\n")}`,
    file(`snippet-${newId('p')}.php`, snippet),
  ], env)

/** Python: the snippet file unchanged, run with the variables the shop's code has. */
const runPython = (snippet: string, globals: string, env: Record<string, string>) =>
  run('python3', ['-c', `import runpy, sys, types\nrunpy.run_path(sys.argv[1], init_globals={${globals}})`, file(`snippet-${newId('p')}.py`, snippet)], env)

/** Fills in the snippet's placeholders, refusing a placeholder that is not in the text (a snippet that changed shape). */
function fill(text: string, values: Record<string, string>): string {
  let filled = text
  for (const [placeholder, value] of Object.entries(values)) {
    expect(filled, `placeholder ${placeholder}`).toContain(placeholder)
    filled = filled.replaceAll(placeholder, value)
  }
  return filled
}

// --- the README's code blocks ----------------------------------------------------------------------------------

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

/** The fenced code blocks of a README section (from its `## ` heading to the next one), by language. */
function readmeBlocks(heading: string): { lang: string; code: string }[] {
  const start = readme.indexOf(`\n## ${heading}`)
  expect(start, `README section ${heading}`).toBeGreaterThan(0)
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, code: m[2]! }))
}
/** The address `npm start` serves on, which the README's commands use. */
const readmeOrigin = 'http://127.0.0.1:3000'

// --- the network -----------------------------------------------------------------------------------------------

let network: TestNetwork
let s: Scenario
let generated: Snippets
let shop: { id: string; key: string }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snippets-run-'))
  network = await startTestNetwork()
  s = await createScenario(network.storage, { holdDays: 30 })
  // The snippets exactly as the API serves them for this tracking code, with the network's own address in them.
  const list = await (await fetch(`${network.url}/api/v1/tracking-codes`, { headers: { authorization: `Bearer ${s.advertiserKey}` } })).json()
  const id = list.trackingCodes.find((t: { code: string }) => t.code === s.trackingCode).id
  const one = await (await fetch(`${network.url}/api/v1/tracking-codes/${id}`, { headers: { authorization: `Bearer ${s.advertiserKey}` } })).json()
  generated = one.trackingCode.snippets
  shop = await account(['publisher'], 'Snippet Shop')
}, 60_000)

afterAll(async () => {
  await network?.destroy()
  rmSync(dir, { recursive: true, force: true })
})

async function account(roles: ('advertiser' | 'publisher')[], name: string) {
  const id = newId('acc')
  await network.storage.accounts.create({ id, name, email: `${id}@snippets.example`, roles, status: 'active', passwordHash: null })
  const key = newApiKey()
  await network.storage.apiKeys.create({ id: newId('key'), accountId: id, name: 'snippets', prefix: key.prefix, hash: key.hash })
  return { id, key: key.key }
}

/** A visitor's click on the publisher's link: the id the shop's server finds in its `_nclid` cookie. */
const visit = async () => (await clickLink(network.url, s.linkCode)).clickId!

/** The conversion the snippet reported: stored, attributed to the click it carried, with its commission pending. */
async function expectConversion(orderId: string, clickId: string) {
  const conversion = await network.storage.conversions.getByOrder(s.advertiserId, orderId)
  expect(conversion, `conversion ${orderId}`).toMatchObject({
    campaignId: s.campaign.id, publisherId: s.publisherId, clickId, reason: 'attributed', source: 'api', type: 'sale',
    amount: 1995, currency: 'EUR', commission: 200, status: 'pending',
  })
  const entries = await network.storage.ledger.listByAccount(s.publisherId, 1000)
  expect(entries.filter((e) => e.conversionId === conversion!.id).map((e) => [e.bucket, e.amount])).toEqual([['pending', 200]])
}

/** The order a shop's snippet notified: stored for the shop under its id, with the buyer and the total. */
async function expectOrder(shopId: string, orderId: string, fields: Record<string, unknown>) {
  expect(await network.storage.orders.getByExternalId(shopId, orderId), `order ${orderId}`).toMatchObject({ accountId: shopId, externalId: orderId, ...fields })
}

describe('the tracking code\'s API snippets, as GET /api/v1/tracking-codes/:id serves them', () => {
  it('point at this network', () => {
    for (const name of ['curl', 'node', 'php', 'python'] as const) expect(generated[name]).toContain(`${network.url}/api/v1/conversions`)
  })

  itWith(curlReason, 'cURL records the conversion', async () => {
    const clickId = await visit()
    const out = await run('bash', ['-c', fill(generated.curl, { ORDER_ID: 'snip-curl', CLICK_ID: clickId })], { NETWORK_API_KEY: s.advertiserKey })
    expect(JSON.parse(out)).toMatchObject({ conversion: { orderId: 'snip-curl', status: 'pending' } })
    await expectConversion('snip-curl', clickId)
  })

  it('Node (fetch, in-process) records the conversion', async () => {
    const clickId = await visit()
    await runNode(fill(generated.node, { ORDER_ID: 'snip-node', CLICK_ID: clickId }), { NETWORK_API_KEY: s.advertiserKey })
    await expectConversion('snip-node', clickId)
  })

  itWith(phpReason, 'PHP (curl) records the conversion with the click id from the _nclid cookie', async () => {
    const clickId = await visit()
    // The snippet reads the click id from the request's cookie itself: only the order id is filled in.
    const out = await runPhp(fill(generated.php, { ORDER_ID: 'snip-php' }), `$_COOKIE['_nclid'] = ${JSON.stringify(clickId)};`, { NETWORK_API_KEY: s.advertiserKey })
    const answer = JSON.parse(out)
    expect(answer.status).toBe(201)
    expect(JSON.parse(answer.response)).toMatchObject({ conversion: { orderId: 'snip-php' } })
    await expectConversion('snip-php', clickId)
  })

  itWith(phpReason, 'PHP (curl) logs, in the shop’s PHP error log, a conversion the network refused', async () => {
    const log = join(dir, `php-errors-${newId('p')}.log`)
    const out = await runPhp(`${fill(generated.php, { ORDER_ID: 'snip-php-refused' })}`, `ini_set('error_log', ${JSON.stringify(log)});`, { NETWORK_API_KEY: 'nw_not-a-key' })
    expect(JSON.parse(out).status).toBe(401)
    expect(readFileSync(log, 'utf8')).toMatch(/the network did not record the conversion: 401 \{"error":\{"code":"[a-z_]+"/)
    expect(await network.storage.conversions.getByOrder(s.advertiserId, 'snip-php-refused')).toBeNull()
  })

  itWith(pythonReason, 'Python (urllib) records the conversion', async () => {
    const clickId = await visit()
    const out = await runPython(fill(generated.python, { ORDER_ID: 'snip-python', CLICK_ID: clickId }), '', { NETWORK_API_KEY: s.advertiserKey })
    expect(out).toMatch(/^201 \{/)
    await expectConversion('snip-python', clickId)
  })
})

describe('the portal\'s order-API snippets (monetize page)', () => {
  const snippets = () => orderSnippets(network.url, 'EUR', null)
  const buyer = (lang: string) => ({ id: `ord-${lang}`, email: `${lang}@buyers.example`, name: `Bob ${lang}` })
  const stored = (lang: string) => ({ email: `${lang}@buyers.example`, total: 1995, currency: 'EUR' })

  itWith(curlReason, 'cURL notifies the order', async () => {
    const out = await run('bash', ['-c', fill(snippets().curl, { ORDER_ID: 'ord-curl', 'buyer@example.com': 'curl@buyers.example' })], { NETWORK_API_KEY: shop.key })
    expect(JSON.parse(out)).toMatchObject({ order: { orderId: 'ord-curl', created: true } })
    await expectOrder(shop.id, 'ord-curl', stored('curl'))
  })

  it('Node (fetch, in-process) notifies the order', async () => {
    await runNode(snippets().node, { NETWORK_API_KEY: shop.key }, { order: buyer('node') })
    await expectOrder(shop.id, 'ord-node', stored('node'))
  })

  itWith(phpReason, 'PHP (curl) notifies the order', async () => {
    const o = buyer('php')
    const out = await runPhp(snippets().php, `$order = ['id' => '${o.id}', 'email' => '${o.email}', 'name' => '${o.name}'];`, { NETWORK_API_KEY: shop.key })
    expect(JSON.parse(JSON.parse(out).response)).toMatchObject({ order: { orderId: o.id, created: true } })
    await expectOrder(shop.id, o.id, stored('php'))
  })

  itWith(pythonReason, 'Python (urllib) notifies the order', async () => {
    const o = buyer('python')
    const out = await runPython(snippets().python, `'order': {'id': '${o.id}', 'email': '${o.email}', 'name': '${o.name}'}`, { NETWORK_API_KEY: shop.key })
    expect(out.trim()).toBe('202')
    await expectOrder(shop.id, o.id, stored('python'))
  })
})

describe('the README', () => {
  itWith(either(curlReason, bashReason), '"Using the API": the walkthrough, command by command, ends in a commission pending, then approved', async () => {
    const [block, ...others] = readmeBlocks('Using the API')
    expect(others).toEqual([])
    expect(block!.lang).toBe('sh')
    const advertiser = await account(['advertiser'], 'README Advertiser')
    const publisher = await account(['publisher'], 'README Publisher')
    // Commands start where the comments before them start; the first line sets N for all of them.
    const lines = block!.code.replaceAll(readmeOrigin, network.url).trimEnd().split('\n')
    const [setN, ...rest] = lines
    expect(setN).toBe(`N=${network.url}/api/v1`)
    const commands: string[] = []
    for (const line of rest) {
      if (line.startsWith('#') && !commands.at(-1)?.split('\n').at(-1)?.startsWith('#')) commands.push(line)
      else commands[commands.length - 1] += `\n${line}`
    }
    expect(commands).toHaveLength(6)
    const values: Record<string, string> = {}
    const outputs: string[] = []
    for (const command of commands) {
      let text = command
      for (const [placeholder, value] of Object.entries(values)) text = text.replaceAll(placeholder, value)
      const code = text.split('\n').filter((line) => !line.startsWith('#')).join('\n')
      expect(code, 'a placeholder no earlier command answered').not.toMatch(/\b(CAMPAIGN_ID|LINK_CODE|CLICK_ID)\b/)
      const out = await run('bash', ['-c', `set -eo pipefail\n${setN}\n${text}`], { ADV: advertiser.key, PUB: publisher.key })
      outputs.push(out)
      // What the reader copies from each answer into the next commands.
      const json = (() => { try { return JSON.parse(out) } catch { return null } })()
      if (json?.campaign?.id) values.CAMPAIGN_ID = json.campaign.id
      if (json?.link?.code) values.LINK_CODE = json.link.code
      const location = /^location: (\S+)/im.exec(out)
      if (location) values.CLICK_ID = new URL(location[1]!).searchParams.get('nclid')!
    }
    expect(Object.keys(values).sort()).toEqual(['CAMPAIGN_ID', 'CLICK_ID', 'LINK_CODE'])
    const conversion = await network.storage.conversions.getByOrder(advertiser.id, '11001')
    expect(conversion).toMatchObject({ campaignId: values.CAMPAIGN_ID, publisherId: publisher.id, clickId: values.CLICK_ID, reason: 'attributed', amount: 12000, commission: 1200 })
    // "…and the publisher sees 12.00 pending, then approved once the hold period has passed" (0 days here).
    const [balance] = JSON.parse(outputs.at(-1)!).balances
    expect(balance.currency).toBe('EUR')
    expect(balance.pending.amount + balance.approved.amount).toBe(1200)
    const end = Date.now() + 15_000
    while ((await network.storage.conversions.get(conversion!.id))?.status !== 'approved') {
      if (Date.now() > end) throw new Error('the README\'s conversion was not approved by its approval job')
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(await network.storage.ledger.balances(publisher.id)).toEqual([{ currency: 'EUR', pending: 0, approved: 1200, paid: 0, credit: 0 }])
  })

  describe('"For shops": the order notification in cURL, Node, PHP and Python', () => {
    const blocks = () => readmeBlocks('For shops')
    const code = (lang: string) => {
      const found = blocks().filter((b) => b.lang === lang)
      expect(found, `one ${lang} block`).toHaveLength(1)
      return found[0]!.code.replaceAll('https://NETWORK', network.url)
    }
    const buyer = (lang: string) => ({ id: `readme-${lang}`, email: `readme-${lang}@buyers.example`, name: `Bob ${lang}`, total: '59.90' })

    it('has exactly these four blocks', () => {
      expect(blocks().map((b) => b.lang)).toEqual(['sh', 'js', 'php', 'python'])
    })

    itWith(either(curlReason, bashReason), 'cURL', async () => {
      const out = await run('bash', ['-c', code('sh')], { SHOP_KEY: shop.key })
      expect(JSON.parse(out)).toMatchObject({ order: { orderId: '11001', created: true } })
      await expectOrder(shop.id, '11001', { email: 'bob@example.com', total: 5990, currency: 'EUR' })
    })

    it('Node (in-process)', async () => {
      await runNode(code('js'), { SHOP_KEY: shop.key }, { order: buyer('node') })
      await expectOrder(shop.id, 'readme-node', { email: 'readme-node@buyers.example', total: 5990 })
    })

    itWith(phpReason, 'PHP', async () => {
      const o = buyer('php')
      await runPhp(code('php'), `$order = (object) ${phpArray(o)};`, { SHOP_KEY: shop.key })
      await expectOrder(shop.id, o.id, { email: o.email, total: 5990 })
    })

    itWith(pythonReason, 'Python', async () => {
      const o = buyer('python')
      await runPython(code('python'), `'order': types.SimpleNamespace(**${JSON.stringify(o)})`, { SHOP_KEY: shop.key })
      await expectOrder(shop.id, o.id, { email: o.email, total: 5990 })
    })
  })
})

const phpArray = (o: Record<string, string>) => `[${Object.entries(o).map(([k, v]) => `'${k}' => '${v}'`).join(', ')}]`
