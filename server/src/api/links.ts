// Tracked links, for publishers (the use-cases: links/).
import { Router } from 'express'
import type { z } from 'zod'
import type { Services } from '../services.js'
import type { Link } from '../storage/types.js'
import { subIdNote } from '../links/index.js'
import { pathId } from '../validation.js'
import { accountOf, requireRole } from './auth.js'
import { requireJson } from './json.js'
import type { Link as LinkJson } from './schemas.js'

export function linkRoutes({ links }: Pick<Services, 'links'>): Router {
  const router = Router()
  router.use('/links', requireRole('publisher'))

  const linkJson = (l: Link): z.output<typeof LinkJson> => ({
    id: l.id, code: l.code, url: links.url(l), campaignId: l.campaignId, landingUrl: l.landingUrl,
    status: l.status, createdAt: l.createdAt,
  })

  router.post('/links', requireJson, async (req, res) => {
    res.status(201).json({ link: linkJson(await links.create(accountOf(req).id, req.body)), note: subIdNote })
  })

  router.get('/links', async (req, res) => {
    res.json({ links: (await links.listOwn(accountOf(req).id)).map(linkJson), note: subIdNote })
  })

  router.get('/links/:id', async (req, res) => {
    res.json({ link: linkJson(await links.own(accountOf(req).id, pathId(req, 'id', 'link'))), note: subIdNote })
  })

  router.patch('/links/:id', requireJson, async (req, res) => {
    res.json({ link: linkJson(await links.update(accountOf(req).id, pathId(req, 'id', 'link'), req.body)) })
  })

  return router
}
