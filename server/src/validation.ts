// Input validation, for the use-cases and both adapters (API and portal): zod schemas in, a 400 AppError naming
// the first offending field out (`landingUrls.0`, `saleRule.percent`), so a caller always learns which value to fix.
import type { Request } from 'express'
import { z } from 'zod'
import { AppError, badRequest, notFound } from './errors.js'

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String)
  // A misspelt field is named itself, not its parent object.
  if (issue.code === 'unrecognized_keys' && issue.keys[0]) path.push(issue.keys[0])
  return path.join('.') || 'body'
}

function messageOf(field: string, issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `${field} is not a known field`
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return `${field} is required`
  return `${field}: ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`
}

/** Parses `value` with `schema`; the first problem becomes a 400 naming its field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0] as z.core.$ZodIssue
  const field = fieldOf(issue)
  throw badRequest(field, messageOf(field, issue))
}

/** Ids in paths: anything not shaped like one of ours is simply not found (and never reaches the store). */
const idPattern = /^[A-Za-z0-9_-]{1,100}$/
export function pathId(req: Request, name: string, what: string): string {
  const value = req.params[name]
  if (typeof value !== 'string' || !idPattern.test(value)) throw notFound(what)
  return value
}

// Control characters break storage (PostgreSQL refuses NUL) and pages; a description may keep line breaks.
const controls = /[\u0000-\u001f\u007f]/
const controlsButBreaks = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

/** A one-line name: trimmed, 1–`max` characters, no control characters. */
export const name = (max = 200) =>
  z.string().trim().min(1).max(max).refine((v) => !controls.test(v), { message: 'must not contain control characters' })

/** Free text such as a campaign description: up to `max` characters, line breaks allowed. */
export const longText = (max = 2000) =>
  z.string().trim().max(max).refine((v) => !controlsButBreaks.test(v), { message: 'must not contain control characters' })

export const idString = z.string().regex(idPattern, { message: 'must be an id such as cmp_k3j9x0q2m1v8t7ab' })

/** An absolute http(s) URL without credentials, normalised (so the same URL always compares equal). */
export const httpUrl = z.string().trim().max(2000).transform((value, ctx) => {
  let url: URL | null = null
  try {
    url = new URL(value)
  } catch {
    url = null
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' })
    return z.NEVER
  }
  return url.href
}).meta({ format: 'uri', description: 'An absolute http(s) URL.' })

/** A decimal given as a string ("12.5") or a JSON number (12.5); parsed exactly later, never as a float. */
export const decimal = z.union([z.string().max(40), z.number()], { error: 'must be a decimal number such as 19.95 (a string or a number)' })
  .meta({ description: 'A decimal as a string (exact) or a JSON number.', examples: ['19.95'] })

/** `limit` query parameter: 1…max, default 100. */
export const limit = (max: number) =>
  z.string().meta({ examples: ['50'] }).regex(/^\d{1,6}$/, { message: 'must be a whole number' }).transform(Number)
    .pipe(z.number().int().min(1).max(max)).optional()
    .meta({ description: `How many, newest first (1–${max}, default 100).` })

/** The range dates are accepted in: wide enough for any query, narrow enough for every store. */
const minDate = Date.UTC(1970, 0, 1)
const maxDate = Date.UTC(9999, 11, 31)
const dateOnly = /^\d{4}-\d{2}-\d{2}$/
const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/

/**
 * An ISO 8601 date or date-time (with Z or an offset) query parameter. A bare date as `to` means the end of that day, so
 * `from=2025-01-01&to=2025-01-31` covers January; a date-time `to` is exclusive.
 */
export const isoDate = (end: boolean) =>
  z.string().meta({ examples: [end ? '2025-01-31' : '2025-01-01'] }).transform((value, ctx) => {
    const time = dateOnly.test(value) || dateTime.test(value) ? Date.parse(value) : Number.NaN
    // Date.parse rolls 2025-02-30 over to March; a date that does not exist is a mistake, not a wish.
    const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number]
    const real = !Number.isNaN(time) && new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d && m >= 1 && m <= 12
    if (!real || time < minDate || time > maxDate) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date (1970–9999) such as 2025-01-31 or 2025-01-31T12:00:00Z' })
      return z.NEVER
    }
    return new Date(end && dateOnly.test(value) ? time + 86_400_000 : time)
  }).optional().meta(end
    ? { description: 'ISO 8601 date-time (exclusive) or date (that whole day included).' }
    : { description: 'ISO 8601 date or date-time; inclusive.' })

/** Checks that a from/to range is not reversed. */
export function checkRange(from: Date | undefined, to: Date | undefined): void {
  if (from && to && from.getTime() >= to.getTime()) throw badRequest('to', 'to must be after from')
}

/** Which side of the account a request acts for, when an account is both advertiser and publisher. */
export type Side = 'advertiser' | 'publisher'
export function sideOf(roles: readonly string[], asked: Side | undefined): Side {
  const admin = roles.includes('admin')
  if (asked) {
    if (!roles.includes(asked) && !admin) throw new AppError(403, 'forbidden', `this needs an ${asked} account`, 'as')
    return asked
  }
  return roles.includes('advertiser') || (admin && !roles.includes('publisher')) ? 'advertiser' : 'publisher'
}
export const side = z.enum(['advertiser', 'publisher']).optional()
  .meta({ description: 'For accounts that are both: act as advertiser (the default when the account is one) or publisher.' })
