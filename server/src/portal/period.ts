// The period filter of the statistics and list pages: `from` and `to` as dates (to inclusive), validated
// with the API's own date rules; a bad value is reported on the page and the default period is shown.
import type { Request } from 'express'
import { z } from 'zod'
import { AppError, badRequest } from '../errors.js'
import { checkRange, isoDate, parse } from '../validation.js'
import { dateText } from './format.js'
import type { Period } from '../stats/index.js'

const dayMs = 86_400_000
const query = z.object({ from: isoDate(false), to: isoDate(true) })

export interface PeriodChoice {
  period: Period
  /** The form's values: YYYY-MM-DD, `to` inclusive. */
  from: string
  to: string
  error?: AppError
}

/** The last `days` days up to and including today (UTC). */
export function lastDays(days: number, now = new Date()): Period {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + dayMs)
  return { from: new Date(to.getTime() - days * dayMs), to }
}

export function periodOf(req: Request, defaultDays = 30, maxDays = 366): PeriodChoice {
  const fallback = lastDays(defaultDays)
  const choice = (p: Period, error?: AppError): PeriodChoice => ({ period: p, from: dateText(p.from), to: dateText(new Date(p.to.getTime() - dayMs)), error })
  try {
    const q = parse(query, { from: req.query.from || undefined, to: req.query.to || undefined })
    const to = q.to ?? fallback.to
    const from = q.from ?? new Date(to.getTime() - defaultDays * dayMs)
    checkRange(from, to)
    if (to.getTime() - from.getTime() > maxDays * dayMs) throw badRequest('from', `choose a period of at most ${maxDays} days`)
    return choice({ from, to })
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    return choice(fallback, error)
  }
}
