// The caller's money (F5): balances derived from the ledger, and the ledger entries themselves.
import { Router } from 'express'
import { z } from 'zod'
import type { Services } from '../services.js'
import type { LedgerEntry } from '../storage/types.js'
import { accountOf } from './auth.js'
import { money } from './json.js'
import type { Balance, LedgerEntry as LedgerEntryJson } from './schemas.js'
import { limit, parse } from '../validation.js'

export const ledgerQuery = z.object({ limit: limit(1000) })

const entryJson = (e: LedgerEntry): z.output<typeof LedgerEntryJson> => ({
  id: e.id, bucket: e.bucket, kind: e.kind, amount: money(e.amount, e.currency), conversionId: e.conversionId,
  payoutId: e.payoutId, memo: e.memo, createdAt: e.createdAt,
})

export function ledgerRoutes(services: Services): Router {
  const { storage } = services
  const router = Router()

  router.get('/balance', async (req, res) => {
    const balances = await storage.ledger.balances(accountOf(req).id)
    res.json({
      balances: balances.map((b): z.output<typeof Balance> => ({
        currency: b.currency, pending: money(b.pending, b.currency), approved: money(b.approved, b.currency),
        paid: money(b.paid, b.currency), credit: money(b.credit, b.currency),
      })),
    })
  })

  router.get('/ledger', async (req, res) => {
    const q = parse(ledgerQuery, req.query)
    res.json({ entries: (await storage.ledger.listByAccount(accountOf(req).id, q.limit ?? 100)).map(entryJson) })
  })

  return router
}
