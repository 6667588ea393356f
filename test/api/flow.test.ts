// The README journey through the API alone: an advertiser sets up a campaign and a tracking code, a
// publisher shares a link, a buyer clicks and buys, and the money follows approve, refund and decline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserAgent, campaignBody, startApiNetwork, type ApiNetwork } from './support.js'

describe('the whole flow through the API', () => {
  let api: ApiNetwork
  beforeAll(async () => {
    api = await startApiNetwork()
  })
  afterAll(async () => {
    await api.network.destroy()
  })

  it('takes a click to an attributed, approved, partly refunded conversion with the right balances', async () => {
    const advertiser = await api.account(['advertiser'], 'Flow Shop')
    const publisher = await api.account(['publisher'], 'Flow Publisher')

    const campaign = await advertiser.call('POST', '/campaigns', campaignBody({ name: 'Flow campaign', holdDays: 30 }))
    expect(campaign.status).toBe(201)
    const campaignId = campaign.body.campaign.id
    const code = await advertiser.call('POST', '/tracking-codes', { campaignId, name: 'Thank-you page' })
    expect(code.status).toBe(201)
    expect(code.body.trackingCode.snippets.pixel).toContain(`t=${code.body.trackingCode.code}`)

    const link = await publisher.call('POST', '/links', { campaignId })
    expect(link.status).toBe(201)
    expect(link.body.link.url).toBe(`${api.network.url}/c/${link.body.link.code}`)

    // The buyer follows the tracked link.
    const click = await fetch(`${link.body.link.url}?sub1=newsletter`, { redirect: 'manual', headers: { 'user-agent': browserAgent } })
    expect(click.status).toBe(302)
    const landing = new URL(click.headers.get('location')!)
    expect(`${landing.origin}${landing.pathname}`).toBe('https://shop.example/spring')
    const clickId = landing.searchParams.get('nclid')!
    expect(clickId).toMatch(/^[A-Za-z0-9_-]{22}$/)

    // The advertiser's server reports the sale.
    const sale = await advertiser.call('POST', '/conversions', { orderId: 'FLOW-1', amount: '100.00', currency: 'EUR', clickId, customerEmail: 'bob@example.com' })
    expect(sale.status).toBe(201)
    expect(sale.body.reason).toBe('attributed')
    const conversion = sale.body.conversion
    expect(conversion).toMatchObject({
      status: 'pending', publisherId: publisher.id, campaignId, clickId,
      amount: { amount: 10000, currency: 'EUR', formatted: '100.00' },
      commission: { amount: 1250, currency: 'EUR', formatted: '12.50' },
      commissionRule: { kind: 'percent', basisPoints: 1250 },
    })

    const pending = await publisher.call('GET', '/balance')
    expect(pending.status).toBe(200)
    expect(pending.body.balances).toEqual([{
      currency: 'EUR', pending: { amount: 1250, currency: 'EUR', formatted: '12.50' }, approved: { amount: 0, currency: 'EUR', formatted: '0.00' },
      paid: { amount: 0, currency: 'EUR', formatted: '0.00' }, credit: { amount: 0, currency: 'EUR', formatted: '0.00' },
    }])

    // Both sides see it; the publisher does not see who bought.
    const asAdvertiser = await advertiser.call('GET', `/conversions/${conversion.id}`)
    expect(asAdvertiser.body.conversion.customerEmail).toBe('bob@example.com')
    const asPublisher = await publisher.call('GET', '/conversions')
    expect(asPublisher.body.conversions.map((c: { id: string }) => c.id)).toEqual([conversion.id])
    expect(asPublisher.body.conversions[0]).not.toHaveProperty('customerEmail')

    const approved = await advertiser.call('POST', `/conversions/${conversion.id}/approve`)
    expect(approved.status).toBe(200)
    expect(approved.body.conversion.status).toBe('approved')
    expect((await publisher.call('GET', '/balance')).body.balances[0]).toMatchObject({ pending: { amount: 0 }, approved: { amount: 1250 } })

    const refunded = await advertiser.call('POST', `/conversions/${conversion.id}/refund`, { amount: '50.00', reason: 'one item returned' })
    expect(refunded.status).toBe(200)
    expect(refunded.body.conversion).toMatchObject({
      status: 'approved', refunded: { amount: 5000, formatted: '50.00' }, reversedCommission: { amount: 625, formatted: '6.25' },
    })
    const ledger = await publisher.call('GET', '/ledger')
    expect(ledger.body.entries[0]).toMatchObject({
      bucket: 'approved', kind: 'reversal', amount: { amount: -625, currency: 'EUR', formatted: '-6.25' }, conversionId: conversion.id, memo: 'one item returned',
    })
    expect(ledger.body.entries.map((e: { kind: string }) => e.kind).sort()).toEqual(['approval', 'approval', 'commission', 'reversal'])
    expect((await publisher.call('GET', '/balance')).body.balances[0]).toMatchObject({ pending: { amount: 0 }, approved: { amount: 625, formatted: '6.25' } })

    const decline = await advertiser.call('POST', `/conversions/${conversion.id}/decline`, { reason: 'too late' })
    expect(decline.status).toBe(409)
    expect(decline.body.error).toMatchObject({ code: 'not_pending', field: 'status' })

    // The request log tells the advertiser what happened, newest first.
    const log = await advertiser.call('GET', '/request-log')
    expect(log.status).toBe(200)
    expect(log.body.entries.map((e: { kind: string; reason: string }) => `${e.kind}:${e.reason}`)).toEqual(['api:attributed', 'click:recorded'])
  })

  it('records a pixel conversion through the tracking code, attributed by the network cookie', async () => {
    const campaigns = await api.shop('GET', '/campaigns')
    const campaign = campaigns.body.campaigns[0]
    const code = await api.shop('POST', '/tracking-codes', { campaignId: campaign.id, name: 'Pixel' })
    const link = await api.publisher('POST', '/links', { campaignId: campaign.id })
    const click = await fetch(link.body.link.url, { redirect: 'manual', headers: { 'user-agent': browserAgent } })
    const cookie = click.headers.get('set-cookie')!.split(';')[0]!
    const pixel = await fetch(`${api.network.url}/px?t=${code.body.trackingCode.code}&amount=40.00&id=PIXEL-1`, { headers: { cookie, 'user-agent': browserAgent } })
    expect(pixel.headers.get('content-type')).toBe('image/gif')
    const list = await api.shop('GET', `/conversions?campaignId=${campaign.id}`)
    expect(list.body.conversions[0]).toMatchObject({
      orderId: 'PIXEL-1', source: 'pixel', reason: 'attributed', publisherId: 'acc_demo_publisher',
      trackingCodeId: code.body.trackingCode.id, commission: { amount: 400, formatted: '4.00' },
    })
  })
})
