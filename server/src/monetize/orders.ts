// Order notifications in: validated one by one (a batch reports each item's result), stored once per
// (account, external id); later notifications update the same order (status changes, refunds).
import { isEmailAddress } from '../email.js'
import { AppError } from '../errors.js'
import { newId } from '../ids.js'
import { parseAmount, parseCurrency } from '../money.js'
import type { NewOrder, OrderItem, OrderStatus } from '../storage/types.js'

const statuses: OrderStatus[] = ['initialized', 'in_progress', 'delivered', 'cancelled', 'refunded']
export const maxOrdersPerRequest = 1000

type Input = Record<string, unknown>

function text(input: Input, name: string, field: string, max: number, required: boolean): string | null {
  const value = input[name]
  if (value === undefined || value === null || value === '') {
    if (required) throw new AppError(400, 'missing', `${field} is required`, field)
    return null
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new AppError(400, 'invalid', `${field} must be a string`, field)
  const s = String(value).trim()
  if (s.length === 0 || s.length > max) throw new AppError(400, 'invalid', `${field} must be 1–${max} characters`, field)
  return s
}

/** Validates one order of a notification; `at` prefixes field names (e.g. "orders.3."). */
export function parseOrder(accountId: string, input: unknown, at = ''): NewOrder {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AppError(400, 'invalid', `${at || 'body'} must be an object`, at.replace(/\.$/, '') || 'body')
  const o = input as Input
  const externalId = text(o, 'orderId', `${at}orderId`, 100, true) as string
  const email = text(o, 'email', `${at}email`, 254, false)
  if (email && !isEmailAddress(email)) throw new AppError(400, 'bad_email', `${at}email must be an email address`, `${at}email`)
  const currency = parseCurrency(o.currency, `${at}currency`)
  const total = parseAmount(o.amount, currency, `${at}amount`)
  const status = (o.status ?? 'initialized') as OrderStatus
  if (!statuses.includes(status)) throw new AppError(400, 'invalid', `${at}status must be one of ${statuses.join(', ')}`, `${at}status`)
  let orderedAt = new Date()
  if (o.orderedAt !== undefined) {
    orderedAt = new Date(String(o.orderedAt))
    if (typeof o.orderedAt !== 'string' || Number.isNaN(orderedAt.getTime())) throw new AppError(400, 'invalid', `${at}orderedAt must be an ISO 8601 date`, `${at}orderedAt`)
  }
  const rawItems = o.items ?? []
  if (!Array.isArray(rawItems) || rawItems.length > 200) throw new AppError(400, 'invalid', `${at}items must be a list of at most 200 items`, `${at}items`)
  const items: OrderItem[] = rawItems.map((item, i) => {
    const f = `${at}items.${i}.`
    if (typeof item !== 'object' || item === null) throw new AppError(400, 'invalid', `${f.slice(0, -1)} must be an object`, f.slice(0, -1))
    const quantity = (item as Input).quantity ?? 1
    if (!Number.isInteger(quantity) || (quantity as number) < 1 || (quantity as number) > 100_000) throw new AppError(400, 'invalid', `${f}quantity must be a positive integer`, `${f}quantity`)
    return {
      sku: text(item as Input, 'sku', `${f}sku`, 100, false),
      name: text(item as Input, 'name', `${f}name`, 200, true) as string,
      quantity: quantity as number,
      price: parseAmount((item as Input).price, currency, `${f}price`),
    }
  })
  return {
    id: newId('ord'), accountId, externalId, customerId: text(o, 'customerId', `${at}customerId`, 100, false), email: email?.toLowerCase() ?? null,
    name: text(o, 'name', `${at}name`, 200, false), total, currency, status, items, orderedAt,
  }
}
