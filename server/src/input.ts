// Text no honest client sends and the store cannot keep: NUL bytes, lone surrogates (text that was not valid
// UTF-8), malformed percent-encoding. Checked at every entrance, before anything is stored, so that such input
// gets a 400 naming its field — never a 500, and never a failed batch that takes other requests with it.
import type { RequestHandler } from 'express'
import { AppError } from './errors.js'

/** The caller's input is malformed: answered 400 with the field, by every entrance alike. */
export class InputError extends AppError {
  constructor(code: 'nul_byte' | 'bad_encoding' | 'bad_key' | 'repeated_parameter' | 'too_deep', field: string) {
    const messages = {
      nul_byte: `${field} must not contain a NUL byte`,
      too_deep: `${field} is nested too deeply`,
      bad_encoding: `${field} is not valid percent-encoded UTF-8`,
      bad_key: `${field} is not an acceptable name`,
      repeated_parameter: `${field} must be given once`,
    }
    super(400, code, messages[code], field)
  }
}

/** Throws InputError when a decoded text cannot be stored. */
function checkText(value: string, field: string): string {
  if (value.includes('\0')) throw new InputError('nul_byte', field)
  if (!value.isWellFormed()) throw new InputError('bad_encoding', field)
  return value
}

/** Decodes one component of a query or form (`+` is a space), strictly: a malformed escape throws InputError. */
export function decodeComponent(raw: string, field: string): string {
  try {
    return checkText(decodeURIComponent(raw.replaceAll('+', ' ')), field)
  } catch (error) {
    if (error instanceof InputError) throw error
    throw new InputError('bad_encoding', field)
  }
}

/** Deeper than any request needs: refused, rather than walked (a 100,000-deep array would exhaust the stack). */
const maxDepth = 32

/** Every string and key in a parsed body; the field is named by its path (`items.2.email`). */
export function checkValue(value: unknown, field: string, depth = 0): void {
  if (typeof value === 'string') {
    checkText(value, field)
  } else if (value && typeof value === 'object' && depth >= maxDepth) {
    throw new InputError('too_deep', field)
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkValue(item, field ? `${field}.${i}` : String(i), depth + 1))
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const path = field ? `${field}.${key}` : key
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new InputError('bad_key', path)
      checkText(key, path)
      checkValue(item, path, depth + 1)
    }
  }
}

/** A request path whose segments (the route parameters to be) decode to storable text. */
function checkPath(path: string): void {
  for (const segment of path.split('/')) if (segment.includes('%')) decodeComponent(segment.replaceAll('+', '%2B'), 'path')
}

/** Every name and value of a query string decodes to storable text (InputError naming the parameter otherwise). */
function checkQuery(text: string): void {
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=')
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq), 'query')
    if (eq !== -1) decodeComponent(pair.slice(eq + 1), name)
  }
}

/**
 * Express: the path, the body and the query of every request are checked before any handler sees them.
 * `batches` names, per path, the array of a batch body (`/orders` → `orders`) whose items its handler checks one
 * by one (one bad item must not refuse its neighbours); the rest of such a body is checked here.
 */
export function inputGuard(options: { batches?: Record<string, string> } = {}): RequestHandler {
  return (req, _res, next) => {
    try {
      checkPath(req.path)
      // The query as sent, strictly: the parser below is lenient (a malformed escape would become U+FFFD unseen).
      const at = req.originalUrl.indexOf('?')
      if (at !== -1) checkQuery(req.originalUrl.slice(at + 1))
      for (const [name, value] of Object.entries(req.query)) if (Array.isArray(value)) throw new InputError('repeated_parameter', name)
      checkValue(req.query, '')
      const batch = options.batches?.[req.path]
      const body: unknown = req.body
      if (batch && body && typeof body === 'object' && !Array.isArray(body) && Array.isArray((body as Record<string, unknown>)[batch])) {
        for (const [key, value] of Object.entries(body)) if (key !== batch) checkValue({ [key]: value }, '')
      } else if (body !== undefined) {
        checkValue(body, '')
      }
      next()
    } catch (error) {
      next(error)
    }
  }
}

/**
 * Express's query parser: flat (no nested objects from `a[b]=c`), names such as __proto__ are plain own keys,
 * a repeated parameter becomes an array (which the guard refuses: 400 naming it), and nothing throws here.
 */
export function parseQuery(text: string): Record<string, string | string[]> {
  const out = new Map<string, string | string[]>()
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = out.get(name)
    out.set(name, seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value])
  }
  return Object.fromEntries(out)
}
