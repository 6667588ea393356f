// POST /api/v1/events ("generate event") and the batch size of POST /api/v1/orders: every item validated on
// its own with the field named, order events change the same order, and batches of 1,000 fit.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestNetwork } from '../support/network.js'
import { account, startRevenueNetwork, type TestAccount } from './support.js'

let network: TestNetwork
let shop: TestAccount
let advertiser: TestAccount

beforeAll(async () => {
  network = await startRevenueNetwork()
  shop = await account(network, 'Corner Shop', ['publisher', 'advertiser'])
  advertiser = await account(network, 'Garden World', ['advertiser'])
})
afterAll(async () => {
  await network.destroy()
})

const orderEvent = (email: string, orderId = `E-${randomUUID().slice(0, 8)}`, parameters: Record<string, unknown> = {}) => ({
  type: 'order', customer: { email, id: 'cust-1' }, parameters: { orderId, amount: '19.90', currency: 'EUR', status: 'in_progress', items: [{ name: 'Rake', price: '19.90' }], ...parameters },
})

describe('POST /api/v1/events', () => {
  it('adds an order from an order event, with the customer key as its buyer, and never sends an offer email for it', async () => {
    const res = await shop.call('POST', '/events', orderEvent('Kim@Example.com', 'E-1'))
    expect(res).toMatchObject({ status: 202, body: { event: { type: 'order', order: { orderId: 'E-1', status: 'in_progress', created: true } } } })
    expect(await network.storage.orders.get(res.body.event.order.id)).toMatchObject({ email: 'kim@example.com', customerId: 'cust-1', total: 1990, items: [{ name: 'Rake', price: 1990, quantity: 1 }] })
    expect((await network.storage.messages.listByAccount(shop.id)).length).toBe(0)
    // The same order again updates it.
    const again = await shop.call('POST', '/events', orderEvent('kim@example.com', 'E-1', { status: 'delivered' }))
    expect(again.body.event.order).toMatchObject({ id: res.body.event.order.id, status: 'delivered', created: false })
  })

  it('changes the status of a known order, checking the customer', async () => {
    const created = await advertiser.call('POST', '/events', orderEvent('lee@example.com'))
    const { orderId } = created.body.event.order
    const status = (customer: unknown, s = 'refunded', id = orderId) => advertiser.call('POST', '/events', { type: 'order_status', customer, parameters: { orderId: id, status: s } })
    expect(await status({ email: 'other@example.com' })).toMatchObject({ status: 409, body: { error: { code: 'customer_mismatch', field: 'customer' } } })
    expect(await status('cust-2')).toMatchObject({ status: 409 })
    expect(await status('lee@example.com', 'refunded', 'NOPE')).toMatchObject({ status: 404, body: { error: { code: 'unknown_order', field: 'parameters.orderId' } } })
    expect(await status('lee@example.com', 'lost')).toMatchObject({ status: 400, body: { error: { field: 'parameters.status' } } })
    expect(await status({ id: 'cust-1' })).toMatchObject({ status: 202, body: { event: { order: { orderId, status: 'refunded' } } } })
    // Another account cannot touch it: its order ids are its own.
    expect((await shop.call('POST', '/events', { type: 'order_status', customer: 'lee@example.com', parameters: { orderId, status: 'delivered' } })).status).toBe(404)
  })

  it('names the field of every mistake', async () => {
    const cases: [unknown, number, string, string][] = [
      [{ type: 'signup', customer: 'a@b.example' }, 400, 'unknown_event_type', 'type'],
      [{ customer: 'a@b.example' }, 400, 'unknown_event_type', 'type'],
      [{ type: 'order' }, 400, 'missing', 'customer'],
      [{ type: 'order', customer: {} }, 400, 'missing', 'customer'],
      [{ type: 'order', customer: { email: 'not-an-email' } }, 400, 'bad_email', 'customer.email'],
      [{ type: 'order', customer: 'a@b.example', parameters: [] }, 400, 'invalid', 'parameters'],
      [{ type: 'order', customer: 'a@b.example', parameters: { orderId: 'X', currency: 'EUR' } }, 400, 'bad_amount', 'parameters.amount'],
      [{ type: 'order', customer: 'a@b.example', parameters: { orderId: 'X', amount: '1', currency: 'EUR', email: 'c@d.example' } }, 400, 'customer_mismatch', 'parameters.email'],
      [{ type: 'order_status', customer: 'a@b.example', parameters: { status: 'cancelled' } }, 400, 'missing', 'parameters.orderId'],
    ]
    for (const [body, status, code, field] of cases) {
      const res = await advertiser.call('POST', '/events', body)
      expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }, JSON.stringify(body)).toEqual({ status, code, field })
    }
  })

  it('takes a batch, answering each event on its own', async () => {
    const res = await advertiser.call('POST', '/events', {
      events: [orderEvent('a@batch.example'), { type: 'order', customer: 'b@batch.example', parameters: { orderId: 'B-2', amount: 'ten', currency: 'EUR' } }, orderEvent('c@batch.example')],
    })
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ accepted: 2, failed: 1 })
    expect(res.body.results[1]).toEqual({ index: 1, ok: false, error: { code: 'bad_amount', message: expect.any(String), field: 'events.1.parameters.amount' } })
    expect((await advertiser.call('POST', '/events', { events: [{ type: 'x' }] })).status).toBe(400)
    expect((await advertiser.call('POST', '/events', { events: [] })).body.error.field).toBe('events')
  })
})

describe('batches of 1,000', () => {
  it('accept 1,000 orders or events in one request (well over 64 kB), and refuse 1,001', async () => {
    const items = (prefix: string) => Array.from({ length: 1000 }, (_, i) => ({
      orderId: `${prefix}-${i}`, email: `buyer${i}@bulk.example`, amount: '12.50', currency: 'EUR', status: 'delivered',
      orderedAt: new Date(Date.now() - i * 60_000).toISOString(), items: [{ sku: `sku-${i}`, name: 'A thing with a longer name', quantity: 1, price: '12.50' }],
    }))
    const orders = { orders: items('BULK'), sendOffers: false }
    expect(JSON.stringify(orders).length).toBeGreaterThan(150_000)
    const res = await advertiser.call('POST', '/orders', orders)
    expect(res).toMatchObject({ status: 202, body: { accepted: 1000, failed: 0 } })
    const events = await advertiser.call('POST', '/events', { events: items('EV').map(({ email, ...parameters }) => ({ type: 'order', customer: email, parameters })) })
    expect(events).toMatchObject({ status: 202, body: { accepted: 1000, failed: 0 } })
    expect((await advertiser.call('POST', '/orders', { orders: items('X').concat(items('Y').slice(0, 1)) })).body.error.field).toBe('orders')
  }, 120_000)
})
