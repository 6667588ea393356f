// POST /api/v1/orders — a shop notifies an order at confirmation (one order, or { orders: [...] } up to
// 1,000). Answers 202 as soon as the order is stored and its offer email queued: email work never makes the
// shop wait. POST /api/v1/reinvest moves approved earnings into advertising credit.
import { checkValue } from '../input.js'
import { randomUUID } from 'node:crypto'
import { Router } from 'express'
import { AppError, badRequest } from '../errors.js'
import { parseAmount, parseCurrency } from '../money.js'
import type { Services } from '../services.js'
import { maxOrdersPerRequest } from '../monetize/orders.js'
import { idempotencyKey, money, requireJson } from './json.js'
import { accountOf } from './auth.js'
import type { OrderResult } from '../monetize/index.js'
import type { z } from 'zod'
import type { OrderResult as OrderResultJson, Reinvested } from './schemas.js'

const orderJson = (r: OrderResult): z.output<typeof OrderResultJson> => ({
  id: r.order.id, orderId: r.order.externalId, status: r.order.status, created: r.created,
  total: money(r.order.total, r.order.currency), orderedAt: r.order.orderedAt,
  message: r.message,
})

export function orderRoutes(services: Services): Router {
  const router = Router()
  router.post('/orders', requireJson, async (req, res) => {
    const body = req.body as Record<string, unknown>
    const shop = accountOf(req)
    if (body.sendOffers !== undefined && typeof body.sendOffers !== 'boolean') throw badRequest('sendOffers', 'sendOffers must be true or false')
    const sendOffers = body.sendOffers !== false
    if (!Array.isArray(body.orders)) {
      const result = await services.monetize.notify(shop, body, '', sendOffers)
      res.status(202).json({ order: orderJson(result) })
      return
    }
    if (body.orders.length === 0 || body.orders.length > maxOrdersPerRequest) {
      throw badRequest('orders', `orders must hold 1–${maxOrdersPerRequest} orders`)
    }
    // Each order stands alone: one bad item is reported with its field and does not stop the others.
    const results = []
    for (const [i, item] of body.orders.entries()) {
      try {
        checkValue(item, `orders.${i}`)
        results.push({ index: i, ok: true, order: orderJson(await services.monetize.notify(shop, item, `orders.${i}.`, sendOffers)) })
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        results.push({ index: i, ok: false, error: { code: error.code, message: error.message, field: error.field } })
      }
    }
    const failed = results.filter((r) => !r.ok).length
    res.status(failed === results.length ? 400 : 202).json({ accepted: results.length - failed, failed, results })
  })

  router.post('/reinvest', requireJson, async (req, res) => {
    const body = req.body as Record<string, unknown>
    const currency = parseCurrency(body.currency)
    const amount = parseAmount(body.amount, currency)
    if (amount <= 0) throw badRequest('amount', 'amount must be more than zero', 'bad_amount')
    // Without a key each request is its own transfer.
    const key = idempotencyKey(req) ?? randomUUID()
    const result = await services.credit.reinvest(accountOf(req), amount, currency, `${accountOf(req).id}:${key}`)
    const balance = (await services.storage.ledger.balances(accountOf(req).id)).find((b) => b.currency === currency)
    const answer: z.output<typeof Reinvested> = {
      reinvested: money(amount, currency), replayed: result === 'duplicate',
      balance: balance && { approved: money(balance.approved, currency), credit: money(balance.credit, currency) },
    }
    res.status(result === 'done' ? 201 : 200).json(answer)
  })
  return router
}
