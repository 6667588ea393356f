// POST /webhooks/mailgun — Mailgun's message events (accepted, delivered, opened, clicked, failed). Public, and
// trusted only through the signature: see Revenue.receiveMailgun. 406 tells Mailgun not to retry a request
// refused for good; 200 answers anything stored, already stored, or of no interest. A body that is not JSON
// reaches receiveMailgun as nothing, which has no signature: the same 406 as a bad one.
import { inputGuard } from '../input.js'
import express, { Router } from 'express'
import type { Revenue } from './index.js'

/** Mailgun's event payloads are a few kilobytes; this is room to spare, and a bound. */
export const webhookBodyLimit = '256kb'

export function revenueWebhooks(services: { revenue: Pick<Revenue, 'receiveMailgun'> }): Router {
  const router = Router()
  router.post('/webhooks/mailgun', express.json({ limit: webhookBodyLimit }), inputGuard(), async (req, res) => {
    res.json(await services.revenue.receiveMailgun(req.body))
  })
  return router
}
