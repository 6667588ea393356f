// POST /api/v1/events — "generate event": one event { type, customer, parameters }, or { events: [...] } up to
// 1,000, each validated on its own (a batch reports every item's result, failures with their field).
import { checkValue } from '../input.js'
import { Router } from 'express'
import { AppError, badRequest } from '../errors.js'
import { generateEvent } from '../revenue/events.js'
import type { Services } from '../services.js'
import { accountOf } from './auth.js'
import { requireJson } from './json.js'
import type { z } from 'zod'
import type { EventResult } from './schemas.js'

const maxEventsPerRequest = 1000

export function eventRoutes(services: Services): Router {
  const router = Router()
  const deps = { storage: services.storage, monetize: services.monetize, revenue: services.revenue }
  router.post('/events', requireJson, async (req, res) => {
    const body = req.body as Record<string, unknown>
    const account = accountOf(req)
    if (!Array.isArray(body.events)) {
      const event: z.output<typeof EventResult> = await generateEvent(deps, account, body)
      res.status(202).json({ event })
      return
    }
    if (body.events.length === 0 || body.events.length > maxEventsPerRequest) throw badRequest('events', `events must hold 1–${maxEventsPerRequest} events`)
    const results = []
    for (const [i, item] of body.events.entries()) {
      try {
        checkValue(item, `events.${i}`)
        results.push({ index: i, ok: true, event: await generateEvent(deps, account, item, `events.${i}.`) })
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        results.push({ index: i, ok: false, error: { code: error.code, message: error.message, field: error.field } })
      }
    }
    const failed = results.filter((r) => !r.ok).length
    res.status(failed === results.length ? 400 : 202).json({ accepted: results.length - failed, failed, results })
  })
  return router
}
