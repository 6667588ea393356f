// Accounts, for the network operator (the use-cases: accounts/access.ts): list, create (with a first API key,
// shown once), approve or suspend.
import { Router } from 'express'
import { notFound } from '../errors.js'
import type { Services } from '../services.js'
import { accountOf, requireRole } from './auth.js'
import { accountJson, apiKeyJson, requireJson } from './json.js'
import { pathId } from '../validation.js'

export function accountRoutes(services: Services): Router {
  const { storage } = services
  const router = Router()
  router.use('/accounts', requireRole('admin'))

  router.get('/accounts', async (_req, res) => {
    res.json({ accounts: (await storage.accounts.list()).map(accountJson) })
  })

  router.post('/accounts', requireJson, async (req, res) => {
    const { account, issued } = await services.access.createAccount(req.body)
    res.status(201).json({ account: accountJson(account), apiKey: { ...apiKeyJson(issued.apiKey), key: issued.key }, note: 'Hand this key over now: it is shown only once.' })
  })

  router.get('/accounts/:id', async (req, res) => {
    const account = await storage.accounts.get(pathId(req, 'id', 'account'))
    if (!account) throw notFound('account')
    res.json({ account: accountJson(account) })
  })

  router.patch('/accounts/:id', requireJson, async (req, res) => {
    const account = await services.access.changeAccount(accountOf(req).id, pathId(req, 'id', 'account'), req.body)
    res.json({ account: accountJson(account) })
  })

  return router
}
