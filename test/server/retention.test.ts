// Retention, by its effect on the data: the real job definitions (server/src/jobs/definitions.ts) run by the
// network's own Agenda, with the retention settings of the configuration. Each test puts rows on both sides of
// the cutoff, ten minutes away from it, so a cutoff counted in hours instead of days (or one ignored) is seen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../../server/src/ids.js'
import { JobName } from '../../server/src/jobs/definitions.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import type { RequestLogEntry } from '../../server/src/storage/types.js'
import { createScenario } from '../support/fixtures.js'
import { runJobOk } from '../support/jobs.js'
import { startTestNetwork, testDrivers, type TestNetwork } from '../support/network.js'

const day = 86_400_000
const margin = 10 * 60_000
const requestLogDays = 3
const buyerDataDays = 2

describe.each(testDrivers)('retention jobs on %s', (driver) => {
  let network: TestNetwork
  beforeAll(async () => {
    network = await startTestNetwork({ REQUEST_LOG_RETENTION_DAYS: String(requestLogDays), BUYER_DATA_RETENTION_DAYS: String(buyerDataDays) }, undefined, { driver })
  })
  afterAll(() => network?.destroy())
  const sql = () => (network.storage as PostgresStorage).sql

  it(`purges request-log entries older than REQUEST_LOG_RETENTION_DAYS (${requestLogDays}) and keeps younger ones`, async () => {
    const advertiserId = newId('acc')
    const now = Date.now()
    const entry = (label: string, at: number): RequestLogEntry => ({
      id: newId('req'), at: new Date(at), kind: 'pixel', outcome: 'accepted', reason: label, advertiserId, trackingCodeId: null,
      linkId: null, conversionId: null, clickId: null, params: { label }, ipHash: null, userAgent: null,
    })
    await network.storage.requestLog.append([
      entry('long-past', now - 30 * day),
      entry('just-past', now - requestLogDays * day - margin),
      entry('just-within', now - requestLogDays * day + margin),
      entry('hours-ago', now - 5 * 3600_000),
      entry('now', now),
    ])
    expect(await network.storage.requestLog.list({ advertiserId })).toHaveLength(5)
    await runJobOk(network.storage, JobName.purgeRequestLog)
    const kept = (await network.storage.requestLog.list({ advertiserId })).map((e) => e.reason)
    expect(kept).toEqual(['now', 'hours-ago', 'just-within'])
  })

  it(`forgets buyer addresses and names on orders, messages and conversions older than BUYER_DATA_RETENTION_DAYS (${buyerDataDays}), and only those`, async () => {
    const advertiser = await createScenario(network.storage)
    const shopId = newId('acc')
    await network.storage.accounts.create({ id: shopId, name: 'Retention Shop', email: `${shopId}@shops.example`, roles: ['publisher'], status: 'active', passwordHash: null })
    /** An order and its offer email, both received `age` ago (the store's own created_at, set back). */
    const sale = async (label: string, age: number) => {
      const { order } = await network.storage.orders.upsert({
        id: newId('ord'), accountId: shopId, externalId: `ret-${label}`, customerId: `cust-${label}`, email: `${label}@buyer.example`, name: `Buyer ${label}`,
        total: 1234, currency: 'EUR', status: 'delivered', items: [], orderedAt: new Date(Date.now() - age),
      })
      const { message } = await network.storage.messages.insertIfAbsent({
        id: newId('msg'), accountId: shopId, orderId: order.id, channel: 'email', recipient: `${label}@buyer.example`, subject: 'Thanks', tags: ['offer-email'], campaignIds: [], status: 'sent',
      })
      const at = new Date(Date.now() - age)
      await sql().query('UPDATE orders SET created_at = $2 WHERE id = $1', [order.id, at])
      await sql().query('UPDATE messages SET created_at = $2 WHERE id = $1', [message.id, at])
      // The advertiser's conversion of a sale reported with the buyer's email (the pixel's `email`).
      await fetch(`${network.url}/px?t=${advertiser.trackingCode}&id=ret-${label}&amount=12.34&email=${label}%40buyer.example`)
      const conversion = (await network.storage.conversions.getByOrder(advertiser.advertiserId, `ret-${label}`))!
      expect(conversion.customerEmail).toBe(`${label}@buyer.example`)
      await sql().query('UPDATE conversions SET created_at = $2 WHERE id = $1', [conversion.id, at])
      return { order: order.id, message: message.id, conversion: conversion.id, label }
    }
    const old = await sale('old', 40 * day)
    const past = await sale('past', buyerDataDays * day + margin)
    const within = await sale('within', buyerDataDays * day - margin)
    const recent = await sale('recent', 3 * 3600_000)

    await runJobOk(network.storage, JobName.forgetBuyers)

    for (const gone of [old, past]) {
      expect(await network.storage.orders.get(gone.order), gone.label).toMatchObject({ email: null, name: null, total: 1234, customerId: `cust-${gone.label}` })
      expect(await network.storage.messages.get(gone.message), gone.label).toMatchObject({ recipient: null, status: 'sent' })
      expect(await network.storage.conversions.get(gone.conversion), gone.label).toMatchObject({ customerEmail: null, amount: 1234 })
    }
    for (const kept of [within, recent]) {
      expect(await network.storage.orders.get(kept.order), kept.label).toMatchObject({ email: `${kept.label}@buyer.example`, name: `Buyer ${kept.label}` })
      expect(await network.storage.messages.get(kept.message), kept.label).toMatchObject({ recipient: `${kept.label}@buyer.example` })
      expect(await network.storage.conversions.get(kept.conversion), kept.label).toMatchObject({ customerEmail: `${kept.label}@buyer.example` })
    }
  })
})
