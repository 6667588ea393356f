// The JSON API under /api/v1: API-key authentication, then one router per area.
import express, { Router } from 'express'
import type { Services } from '../services.js'
import { requireApiKey } from './auth.js'
import { conversionIngestRoutes } from './conversions.js'

export function apiRoutes(services: Services): Router {
  const router = Router()
  router.use(express.json({ limit: '64kb' }))
  router.use(requireApiKey(services.storage))
  router.use(conversionIngestRoutes(services))
  return router
}
