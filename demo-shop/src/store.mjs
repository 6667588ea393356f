// One demo store: product list, product page, cart (in a cookie), checkout, thank-you page. Orders live in
// memory. A store that monetizes (it has an API key) notifies the network of each order at confirmation.
import { randomBytes } from 'node:crypto'
import { cookie, readCookies, readForm, redirect, sendHtml, serveStatic } from './http.mjs'
import { decimal } from './money.mjs'
import { cartPage, checkoutPage, confirmPage, homePage, messagePage, notFoundPage, productPage, thankYouPage } from './views.mjs'

const maxQty = 20
const maxOrders = 1000
const emailPattern = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/

/**
 * @param {object} store name, tagline, theme, hero, products, currency, cookiePrefix, orderPrefix,
 *   networkUrl, trackingCode, formTrackingCode?, apiKey?, allowAutomation?, log
 */
export function createStore(store) {
  const bySku = new Map(store.products.map((p) => [p.sku, p]))
  const bySlug = new Map(store.products.map((p) => [p.slug, p]))
  const orders = new Map()
  const cartCookie = `${store.cookiePrefix}_cart`
  const orderCookie = `${store.cookiePrefix}_order`

  /** The cart cookie is "SKU:qty,SKU:qty"; anything unknown in it is dropped. */
  function readCart(req) {
    const lines = []
    for (const part of (readCookies(req)[cartCookie] ?? '').split(',')) {
      const [sku, qty] = part.split(':')
      const product = bySku.get(sku)
      const n = Number(qty)
      if (product && Number.isInteger(n) && n > 0 && !lines.some((l) => l.product === product)) lines.push({ product, qty: Math.min(n, maxQty) })
    }
    return { lines, total: lines.reduce((sum, l) => sum + l.product.price * l.qty, 0), count: lines.reduce((sum, l) => sum + l.qty, 0) }
  }

  const cartHeader = (lines) => cookie(cartCookie, lines.map((l) => `${l.product.sku}:${l.qty}`).join(','), lines.length ? 30 * 86400 : 0)

  function newOrderId() {
    // Unique across restarts: the network counts an order id once per advertiser.
    return `${store.orderPrefix}-${Date.now().toString(36).toUpperCase()}${randomBytes(2).toString('hex').toUpperCase()}`
  }

  function keep(order) {
    orders.set(order.id, order)
    if (orders.size > maxOrders) orders.delete(orders.keys().next().value)
  }

  /**
   * Seed 000: tell the network about the order right at confirmation, so the offer email reaches the buyer
   * with the order confirmation. Not awaited: the buyer never waits on the network.
   */
  function notifyNetwork(order) {
    if (!store.apiKey) return
    fetch(`${store.networkUrl}/api/v1/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${store.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        orderId: order.id, email: order.email, name: order.name, amount: decimal(order.total), currency: store.currency,
        status: 'in_progress', orderedAt: order.createdAt.toISOString(),
        items: order.lines.map((l) => ({ sku: l.product.sku, name: l.product.name, quantity: l.qty, price: decimal(l.product.price) })),
      }),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (res) => {
        if (!res.ok) store.log(`${store.name}: the network refused order ${order.id}: ${res.status} ${await res.text()}`)
      })
      .catch((error) => store.log(`${store.name}: could not notify the network of order ${order.id}: ${error.message}`))
  }

  async function checkout(req, res, ctx, cart) {
    const form = await readForm(req)
    const flow = form.flow === 'form' && store.formTrackingCode ? 'form' : 'script'
    if (cart.lines.length === 0) return redirect(res, '/cart')
    const values = { name: (form.name ?? '').trim(), email: (form.email ?? '').trim(), address: (form.address ?? '').trim() }
    const errors = {}
    if (!values.name || values.name.length > 100) errors.name = 'Please enter your name.'
    if (!emailPattern.test(values.email) || values.email.length > 200) errors.email = 'Please enter an email address, such as bob@example.com.'
    if (!values.address || values.address.length > 200) errors.address = 'Please enter where we should ship your order.'
    if (Object.keys(errors).length > 0) return sendHtml(res, 422, checkoutPage(store, ctx, cart, { flow, values, errors }))
    const order = { id: newOrderId(), flow, ...values, lines: cart.lines, total: cart.total, createdAt: new Date() }
    keep(order)
    notifyNetwork(order)
    const headers = { 'Set-Cookie': [cartHeader([]), cookie(orderCookie, order.id, 86400)] }
    redirect(res, flow === 'form' ? `/checkout/confirm?order=${encodeURIComponent(order.id)}` : `/thank-you?order=${encodeURIComponent(order.id)}`, headers)
  }

  async function updateCart(req, res, cart) {
    const form = await readForm(req)
    const product = bySku.get(form.sku)
    if (!product) return redirect(res, '/cart')
    const qty = Math.max(0, Math.min(maxQty, Math.trunc(Number(form.qty)) || 0))
    const lines = cart.lines.filter((l) => l.product !== product)
    const current = cart.lines.find((l) => l.product === product)?.qty ?? 0
    const next = form.action === 'add' ? Math.min(maxQty, current + Math.max(1, qty)) : qty
    if (next > 0) lines.push({ product, qty: next })
    const notice = form.action === 'add' ? `?added=${encodeURIComponent(product.sku)}` : ''
    redirect(res, `/cart${notice}`, { 'Set-Cookie': cartHeader(lines) })
  }

  return async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://store')
    const path = url.pathname
    const cart = readCart(req)
    const ctx = { cartCount: cart.count }
    const get = req.method === 'GET' || req.method === 'HEAD'
    try {
      if (get && path === '/') return sendHtml(res, 200, homePage(store, ctx))
      if (get && path.startsWith('/products/')) {
        const product = bySlug.get(path.slice('/products/'.length))
        if (product) return sendHtml(res, 200, productPage(store, ctx, product))
      }
      if (get && path === '/cart') {
        const added = bySku.get(url.searchParams.get('added') ?? '')
        return sendHtml(res, 200, cartPage(store, ctx, cart, added && `${added.name} is in your cart.`))
      }
      if (req.method === 'POST' && path === '/cart') return await updateCart(req, res, cart)
      if (get && path === '/checkout') {
        if (cart.lines.length === 0) return redirect(res, '/cart')
        return sendHtml(res, 200, checkoutPage(store, ctx, cart, { flow: url.searchParams.get('flow') === 'form' && store.formTrackingCode ? 'form' : 'script' }))
      }
      if (req.method === 'POST' && path === '/checkout') return await checkout(req, res, ctx, cart)
      if (get && path === '/checkout/confirm' && store.formTrackingCode) {
        const order = orders.get(url.searchParams.get('order') ?? '')
        if (order) return sendHtml(res, 200, confirmPage(store, ctx, order))
      }
      if (get && path === '/thank-you') {
        // The form flow arrives without the order in the URL (the network redirects to a fixed URL):
        // the order cookie says which one it was.
        const fromUrl = orders.get(url.searchParams.get('order') ?? '')
        const order = fromUrl ?? orders.get(readCookies(req)[orderCookie] ?? '') ?? null
        return sendHtml(res, 200, thankYouPage(store, ctx, order, { reportConversion: !!fromUrl && order.flow === 'script' }))
      }
      if (get && (await serveStatic(res, path))) return
      sendHtml(res, 404, notFoundPage(store, ctx))
    } catch (error) {
      if (res.headersSent) return
      if (error.status === 413) return sendHtml(res, 413, messagePage(store, ctx, { title: 'That form was too large', text: 'Please go back and try again.' }))
      store.log(`${store.name}: ${error.stack ?? error}`)
      sendHtml(res, 500, messagePage(store, ctx, { title: 'Something went wrong', text: 'Please try again in a moment.' }))
    }
  }
}
