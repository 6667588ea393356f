// Accounts, for the network operator: list, create (with a first API key, shown once), approve or suspend.
import { Router } from 'express'
import { z } from 'zod'
import { AppError, badRequest, notFound } from '../errors.js'
import type { Services } from '../services.js'
import { accountOf, requireRole } from './auth.js'
import { accountJson, apiKeyJson, requireJson } from './json.js'
import { name, parse, pathId } from '../validation.js'

const roles = z.array(z.enum(['advertiser', 'publisher', 'admin'])).min(1).max(3).transform((list) => [...new Set(list)])
const status = z.enum(['pending', 'active', 'suspended'])

export const newAccountBody = z.strictObject({
  name: name(),
  email: z.string().trim().max(254).pipe(z.email({ message: 'must be an email address' })).transform((e) => e.toLowerCase()).meta({ format: 'email' }),
  roles,
  status: status.default('active'),
})
export const accountPatch = z.strictObject({ name: name().optional(), roles: roles.optional(), status: status.optional() })

export function accountRoutes(services: Services): Router {
  const { storage } = services
  const router = Router()
  router.use('/accounts', requireRole('admin'))

  router.get('/accounts', async (_req, res) => {
    res.json({ accounts: (await storage.accounts.list()).map(accountJson) })
  })

  router.post('/accounts', requireJson, async (req, res) => {
    const body = parse(newAccountBody, req.body)
    const { account, issued } = await services.access.createAccount({ ...body, passwordHash: null }, 'first key')
    res.status(201).json({ account: accountJson(account), apiKey: { ...apiKeyJson(issued!.apiKey), key: issued!.key }, note: 'Hand this key over now: it is shown only once.' })
  })

  router.get('/accounts/:id', async (req, res) => {
    const account = await storage.accounts.get(pathId(req, 'id', 'account'))
    if (!account) throw notFound('account')
    res.json({ account: accountJson(account) })
  })

  router.patch('/accounts/:id', requireJson, async (req, res) => {
    const id = pathId(req, 'id', 'account')
    const patch = parse(accountPatch, req.body)
    if (Object.keys(patch).length === 0) throw badRequest('body', 'send at least one of name, roles, status')
    // An operator locking themselves out would leave nobody to undo it.
    if (id === accountOf(req).id && ((patch.status && patch.status !== 'active') || (patch.roles && !patch.roles.includes('admin')))) {
      throw new AppError(409, 'own_account', 'you cannot suspend your own account or remove its admin role', patch.status ? 'status' : 'roles')
    }
    const account = await services.access.updateAccount(id, patch)
    if (!account) throw notFound('account')
    res.json({ account: accountJson(account) })
  })

  return router
}
