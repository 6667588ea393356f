// The caller's own account and its API keys. A new key is shown once, in the answer that creates it; only
// its SHA-256 is stored.
import { Router } from 'express'
import { notFound } from '../errors.js'
import type { Services } from '../services.js'
import { accountOf } from './auth.js'
import { accountJson, apiKeyJson, requireJson } from './json.js'
import { name, parse, pathId } from '../validation.js'
import { z } from 'zod'

export const newKeyBody = z.strictObject({ name: name() })

export function meRoutes(services: Services): Router {
  const { storage } = services
  const router = Router()

  router.get('/me', (req, res) => {
    res.json({ account: accountJson(accountOf(req)) })
  })

  router.get('/api-keys', async (req, res) => {
    const keys = await storage.apiKeys.listByAccount(accountOf(req).id)
    res.json({ apiKeys: keys.map(apiKeyJson) })
  })

  router.post('/api-keys', requireJson, async (req, res) => {
    const body = parse(newKeyBody, req.body)
    const { apiKey, key } = await services.access.issueKey(accountOf(req).id, body.name)
    res.status(201).json({ apiKey: { ...apiKeyJson(apiKey), key }, note: 'Store this key now: it is shown only once.' })
  })

  router.delete('/api-keys/:id', async (req, res) => {
    const id = pathId(req, 'id', 'API key')
    if (!(await services.access.revokeApiKey(accountOf(req).id, id))) throw notFound('API key')
    res.status(204).end()
  })

  return router
}
