// POST /webhooks/mailgun — Mailgun's message events (accepted, delivered, opened, clicked, failed). Public, and
// trusted only through the signature: see Revenue.receiveMailgun. 406 tells Mailgun not to retry a request
// refused for good; 200 answers anything stored, already stored, or of no interest.
import { inputGuard } from '../input.js'
import express, { Router } from 'express'
import { AppError } from '../errors.js'
import type { Services } from '../services.js'

export function revenueWebhooks(services: Services): Router {
  const router = Router()
  router.post('/webhooks/mailgun', express.json({ limit: '256kb' }), inputGuard(), async (req, res) => {
    if (!req.is('application/json') || typeof req.body !== 'object' || req.body === null) {
      throw new AppError(406, 'bad_signature', 'Mailgun webhooks are JSON with a signature', 'signature')
    }
    res.json(await services.revenue.receiveMailgun(req.body))
  })
  return router
}
