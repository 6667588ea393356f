// "Generate event" (POST /api/v1/events): an event of a type, about a customer (id or email), with parameters.
// The types are the order events revenue attribution needs:
//   order         — adds or updates an order (parameters: the fields of POST /orders); never sends an offer email
//   order_status  — changes the status of a known order (parameters: orderId, status), e.g. cancelled or refunded
// Anything else is refused by name, so no event is ever dropped silently.
import { isEmailAddress } from '../email.js'
import { AppError, badRequest } from '../errors.js'
import type { Monetize } from '../monetize/index.js'
import type { Account, Order, OrderStatus, Storage } from '../storage/types.js'
import type { Revenue } from './index.js'

const eventTypes = ['order', 'order_status'] as const
export type EventType = (typeof eventTypes)[number]
const statuses: OrderStatus[] = ['initialized', 'in_progress', 'delivered', 'cancelled', 'refunded']

export interface EventDeps {
  storage: Storage
  monetize: Monetize
  revenue: Revenue
}

export interface EventResult {
  type: EventType
  order: { id: string; orderId: string; status: OrderStatus; created: boolean }
}

type Input = Record<string, unknown>
const isObject = (v: unknown): v is Input => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The customer key: an email, an id, or `{ id, email }` (at least one). */
function customerOf(value: unknown, at: string): { id: string | null; email: string | null } {
  const field = `${at}customer`
  if (typeof value === 'string' || typeof value === 'number') {
    const key = String(value).trim()
    return key.includes('@') ? customerOf({ email: key }, at) : customerOf({ id: key }, at)
  }
  if (!isObject(value)) throw new AppError(400, 'missing', `${field} is required: a customer id or email, or { id, email }`, field)
  const id = value.id === undefined || value.id === null ? null : String(value.id).trim()
  const email = value.email === undefined || value.email === null ? null : typeof value.email === 'string' ? value.email.trim().toLowerCase() : ''
  if (id !== null && (id.length === 0 || id.length > 100)) throw badRequest(`${field}.id`, `${field}.id must be 1–100 characters`)
  if (email !== null && !isEmailAddress(email)) throw badRequest(`${field}.email`, `${field}.email must be an email address`, 'bad_email')
  if (id === null && email === null) throw new AppError(400, 'missing', `${field} needs an id or an email`, field)
  return { id, email }
}

/** Validates and applies one event; `at` prefixes field names (e.g. "events.3."). */
export async function generateEvent(deps: EventDeps, account: Account, input: unknown, at = ''): Promise<EventResult> {
  if (!isObject(input)) throw badRequest(at.replace(/\.$/, '') || 'body', `${at || 'the body '}must be an object`.trim())
  const type = input.type as EventType
  if (!eventTypes.includes(type)) throw new AppError(400, 'unknown_event_type', `${at}type must be one of ${eventTypes.join(', ')}`, `${at}type`)
  const customer = customerOf(input.customer, at)
  const parameters = input.parameters ?? {}
  if (!isObject(parameters)) throw badRequest(`${at}parameters`, `${at}parameters must be an object`)
  const p = `${at}parameters.`
  if (type === 'order') {
    // The customer key is the buyer; parameters may repeat it, not contradict it.
    for (const [name, given] of [['email', customer.email], ['customerId', customer.id]] as const) {
      const repeated = parameters[name]
      if (given !== null && repeated !== undefined && repeated !== null && String(repeated).trim().toLowerCase() !== given.toLowerCase()) {
        throw badRequest(`${p}${name}`, `${p}${name} differs from the customer key`, 'customer_mismatch')
      }
    }
    const result = await deps.monetize.notify(account, { ...parameters, email: customer.email ?? parameters.email, customerId: customer.id ?? parameters.customerId }, p, false)
    return { type, order: orderJson(result.order, result.created) }
  }
  const orderId = typeof parameters.orderId === 'string' || typeof parameters.orderId === 'number' ? String(parameters.orderId).trim() : ''
  if (!orderId || orderId.length > 100) throw new AppError(400, 'missing', `${p}orderId is required (1–100 characters)`, `${p}orderId`)
  const status = parameters.status as OrderStatus
  if (!statuses.includes(status)) throw badRequest(`${p}status`, `${p}status must be one of ${statuses.join(', ')}`)
  const order = await deps.storage.orders.getByExternalId(account.id, orderId)
  if (!order) throw new AppError(404, 'unknown_order', `${p}orderId names no order of this account`, `${p}orderId`)
  if ((customer.email && order.email && customer.email !== order.email) || (customer.id && order.customerId && customer.id !== order.customerId)) {
    throw new AppError(409, 'customer_mismatch', `${at}customer is not the customer of order ${orderId}`, `${at}customer`)
  }
  if (order.status === status) return { type, order: orderJson(order, false) }
  const { order: updated } = await deps.storage.orders.upsert({ ...order, status })
  await deps.revenue.orderChanged(updated)
  return { type, order: orderJson(updated, false) }
}

const orderJson = (o: Order, created: boolean) => ({ id: o.id, orderId: o.externalId, status: o.status, created })
