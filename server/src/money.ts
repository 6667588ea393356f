// Money: decimal strings in, integer minor units of an ISO 4217 currency out. Never a float in between.
import { AppError } from './errors.js'

const known = new Set(Intl.supportedValuesOf('currency'))
const digitsCache = new Map<string, number>()

/** The currency's minor-unit digits (EUR 2, JPY 0, BHD 3), from the runtime's ISO 4217 data. */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency)
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
    digitsCache.set(currency, digits)
  }
  return digits
}

/** Upper-cases and checks an ISO 4217 code; throws a 400 naming `field` otherwise. */
export function parseCurrency(value: unknown, field = 'currency'): string {
  const code = typeof value === 'string' ? value.trim().toUpperCase() : ''
  if (!/^[A-Z]{3}$/.test(code) || !known.has(code)) {
    throw new AppError(400, 'bad_currency', `${field} must be an ISO 4217 currency code such as EUR or USD`, field)
  }
  return code
}

/** Amounts above this (in major units) are refused as absurd: 10 billion. */
const maxMajorAmount = 10_000_000_000

/**
 * Parses a non-negative decimal amount ("19.95", "20", 19.95) into minor units of `currency`.
 * Numbers are read through their shortest decimal form, so 19.95 is exactly 1995 cents.
 */
export function parseAmount(value: unknown, currency: string, field = 'amount'): number {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : ''
  const match = /^(\d{1,15})(?:\.(\d{1,12}))?$/.exec(text)
  const digits = minorDigits(currency)
  if (!match) {
    throw new AppError(400, 'bad_amount', `${field} must be a non-negative decimal number such as 19.95`, field)
  }
  const [, whole = '0', fraction = ''] = match
  const significant = fraction.replace(/0+$/, '')
  if (significant.length > digits) {
    throw new AppError(400, 'bad_amount', `${field} has more than ${digits} decimal places for ${currency}`, field)
  }
  if (Number(whole) >= maxMajorAmount) {
    throw new AppError(400, 'bad_amount', `${field} is too large`, field)
  }
  return Number(whole) * 10 ** digits + Number(significant.padEnd(digits, '0') || '0')
}

/** Minor units back to a decimal string: 1995 EUR → "19.95". */
export function formatAmount(minor: number, currency: string): string {
  const digits = minorDigits(currency)
  const sign = minor < 0 ? '-' : ''
  const abs = Math.abs(minor)
  if (digits === 0) return `${sign}${abs}`
  const text = String(abs).padStart(digits + 1, '0')
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`
}
