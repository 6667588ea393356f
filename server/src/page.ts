// The one page shell and the one Content-Security-Policy of every HTML answer: the tracking pages (plain
// node:http), unsubscribe and the outbox, the standalone revenue report, and the portal (which puts its own
// navigation inside). No inline style or script anywhere: styles come from CSS files served by the network
// (the public pages' from /assets/ here, the portal's from /portal/assets/), scripts from files too.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { escapeHtml } from './html.js'

/** The directives of the one policy; `csp` is their text, and variants (the outbox email's) derive from them. */
const cspDirectives: Readonly<Record<string, string>> = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
  'base-uri': "'none'",
}

const cspText = (directives: Record<string, string>) =>
  Object.entries(directives).map(([name, value]) => (value ? `${name} ${value}` : name)).join('; ')

/** The Content-Security-Policy of every page. */
export const csp = cspText(cspDirectives)

/** The policy with some directives replaced or added (`null` drops one): one policy, adjusted in the open. */
export function cspWith(changes: Record<string, string | null>): string {
  const directives: Record<string, string> = { ...cspDirectives }
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete directives[name]
    else directives[name] = value
  }
  return cspText(directives)
}

export interface Asset {
  body: Buffer
  type: string
  /** The URL with a content hash, cached for a year. */
  url: string
  version: string
}

/** A static file read once, named by `prefix` + its name and a content version (`?v=`). */
export function loadAsset(dir: URL, file: string, type: string, prefix: string): Asset {
  const body = readFileSync(new URL(file, dir))
  const version = createHash('sha256').update(body).digest('hex').slice(0, 12)
  return { body, type, version, url: `${prefix}${file}?v=${version}` }
}

// Read from the source folder, also when running the compiled server (tsc copies no assets):
// server/src/ and server/dist/ both resolve this to server/src/assets/.
const assetDir = new URL('../src/assets/', import.meta.url)

/** The public pages' files, served at /assets/<name> (app.ts): their stylesheet and the revenue report's copy button. */
export const pageAssets: Readonly<Record<string, Asset>> = {
  'page.css': loadAsset(assetDir, 'page.css', 'text/css; charset=utf-8', '/assets/'),
  'copy.js': loadAsset(assetDir, 'copy.js', 'text/javascript; charset=utf-8', '/assets/'),
}
export const pageStylesheet = pageAssets['page.css']!.url
export const copyScriptUrl = pageAssets['copy.js']!.url

/** Cache-Control for an asset answer: a year when the URL names the current version, else revalidate. */
export const assetCacheControl = (asset: Asset, version: unknown): string =>
  version === asset.version ? 'public, max-age=31536000, immutable' : 'no-cache'

/**
 * A root-relative URL (`/assets/…`) made relative to the page at `requestPath`: a page answered through a
 * shop's first-party proxy (`/_nw/r` on the shop → `/r` here) then still finds its stylesheet through the proxy.
 */
export function fromPage(requestPath: string, rootUrl: string): string {
  const query = requestPath.indexOf('?')
  const pathname = query === -1 ? requestPath : requestPath.slice(0, query)
  const depth = Math.max(0, pathname.split('/').length - 2)
  return (depth ? '../'.repeat(depth) : './') + rootUrl.replace(/^\/+/, '')
}

export interface Shell {
  /** Plain text, escaped here. */
  title: string
  /** Markup, already escaped by its maker. */
  body: string
  /** The one stylesheet; default the public pages' (/assets/page.css). */
  stylesheet?: string
  /** Script files, loaded deferred. */
  scripts?: string[]
  /** A class for <body> (the public stylesheet has one per kind of page). */
  bodyClass?: string
}

/** The whole page: doctype, language, charset, viewport, title, the stylesheet, scripts and the body. */
export function shell({ title, body, stylesheet = pageStylesheet, scripts = [], bodyClass }: Shell): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${escapeHtml(stylesheet)}">${scripts.map((src) => `<script src="${escapeHtml(src)}" defer></script>`).join('')}</head>
<body${bodyClass ? ` class="${escapeHtml(bodyClass)}"` : ''}>${body}</body></html>`
}

const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

/** An attribute value as the browser's parser hands it to CSP: character references decoded, newlines normalised. */
function attributeValue(raw: string): string {
  return raw.replace(/&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([A-Za-z]+));/g, (ref, dec?: string, hex?: string, name?: string) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16)
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd'
    }
    return named[name!] ?? ref
  })
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

/**
 * The hash sources for the inline styles of an HTML document we wrote ourselves (an email): every `style`
 * attribute's value, and every <style> element's text. Tags are read attribute by attribute, so a quoted `>`
 * or a `style=` inside another attribute's value is not taken for one. Character references are decoded as the
 * parser does for the few the network's escaping writes (numeric ones, &amp; &lt; &gt; &quot; &apos; &nbsp;):
 * a value with another named reference gets a hash that does not match, and its style is refused — visibly
 * (a CSP violation), never silently allowed.
 */
export function inlineStyleHashes(html: string): string[] {
  const text = html.replace(/\r\n?/g, '\n')
  const hashes = new Set<string>()
  const tag = /<!--[\s\S]*?-->|<style\b[^>]*>([\s\S]*?)<\/style\s*>|<([A-Za-z][^\s/>]*)/g
  const attribute = /\s*([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?|\s*\/|\s+/y
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    if (m[1] !== undefined) hashes.add(sha256(m[1]))
    if (m[2] === undefined) continue
    attribute.lastIndex = tag.lastIndex
    for (let a = attribute.exec(text); a && a[0]; a = attribute.exec(text)) {
      const value = a[2] ?? a[3] ?? a[4]
      if (a[1]?.toLowerCase() === 'style' && value !== undefined) hashes.add(sha256(attributeValue(value)))
      tag.lastIndex = attribute.lastIndex
    }
  }
  return [...hashes]
}

/**
 * The policy for an email shown in the outbox (GET /outbox/:id), derived from the one policy. An email must
 * carry its styles inline (mail clients drop stylesheets), so instead of 'unsafe-inline' the answer allows
 * exactly the style values present in this email — 'unsafe-hashes' plus one hash per value, computed per
 * response — so the buyer's view is unchanged and nothing else could be styled in. It runs no script at all,
 * loads images from anywhere (as a mail client would) and nothing else, and is sandboxed: the `sandbox`
 * directive gives it an opaque origin, so even as a page of the network's own origin it cannot reach the
 * outbox's cookies, storage or pages. Links still navigate (a new tab, unsandboxed, for target=_blank).
 */
export function emailCsp(html: string): string {
  const hashes = inlineStyleHashes(html)
  return cspWith({
    'script-src': "'none'",
    'style-src': hashes.length ? `'unsafe-hashes' ${hashes.join(' ')}` : "'none'",
    'img-src': '* data:',
    'form-action': "'none'",
    sandbox: 'allow-popups allow-popups-to-escape-sandbox',
  })
}
