// Small HTTP helpers for the demo sites: plain node:http, no framework.
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const publicDir = fileURLToPath(new URL('../public/', import.meta.url))
const types = { '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.js': 'text/javascript; charset=utf-8', '.png': 'image/png' }
const maxBody = 16 * 1024

/** Escapes text for HTML element content and quoted attribute values. */
export const escapeHtml = (value) => String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`)

/** A value inside an inline <script>: JSON that can never close the script element. */
export const scriptJson = (value) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')

const baseHeaders = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' }

export function sendHtml(res, status, html, headers = {}) {
  res.writeHead(status, { ...baseHeaders, 'Content-Type': 'text/html; charset=utf-8', ...headers })
  res.end(html)
}

export function redirect(res, location, headers = {}) {
  res.writeHead(303, { ...baseHeaders, Location: location, ...headers })
  res.end()
}

/** Serves a file under public/ (stylesheets, images); false when there is none. */
export async function serveStatic(res, path) {
  try {
    const file = normalize(join(publicDir, decodeURIComponent(path)))
    if (!file.startsWith(publicDir) || file.endsWith(sep) || !types[extname(file)]) return false
    const body = await readFile(file)
    res.writeHead(200, { 'Content-Type': types[extname(file)], 'Cache-Control': 'public, max-age=300', 'X-Content-Type-Options': 'nosniff' })
    res.end(body)
    return true
  } catch {
    return false
  }
}

/** The fields of an application/x-www-form-urlencoded body (a plain HTML form). */
export function readForm(req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', (chunk) => {
      size += chunk.length
      if (size > maxBody) {
        req.removeAllListeners('data')
        req.resume()
        reject(Object.assign(new Error('form too large'), { status: 413 }))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))))
    req.on('error', reject)
  })
}

export function readCookies(req) {
  const cookies = {}
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq < 1) continue
    const name = part.slice(0, eq).trim()
    try {
      cookies[name] ??= decodeURIComponent(part.slice(eq + 1).trim())
    } catch {
      // A cookie another site on this host wrote in another encoding: not ours, ignore it.
    }
  }
  return cookies
}

export const cookie = (name, value, maxAgeSeconds) =>
  `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`

/** Listens on host:port and resolves with the server's public base URL. */
export function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
      resolve(`http://${shown.includes(':') ? `[${shown}]` : shown}:${server.address().port}`)
    })
  })
}

export function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}
