// The demo stores' pages: plain server-rendered HTML, every value escaped. Each page carries the network's
// tracker exactly as an advertiser pastes it (the stub, then the async tag).
import { escapeHtml as e, scriptJson } from './http.mjs'
import { decimal, price } from './money.mjs'

const marks = {
  shop: '<svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="9" fill="currentColor"/><path d="M9 24V14.5L16 9l7 5.5V24h-5v-5h-4v5z" fill="#fff"/></svg>',
  garden: '<svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="9" fill="currentColor"/><path d="M9 23c0-9 6-14 15-14 0 9-5 15-14 15m0-1c3-4 6-7 10-9" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/></svg>',
}
const bag = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 8h12l-1 12H7zM9 8a3 3 0 0 1 6 0" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/></svg>'
const check = '<svg viewBox="0 0 48 48" aria-hidden="true"><circle cx="24" cy="24" r="24" fill="currentColor"/><path d="M14 25l7 7 13-15" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/></svg>'

/** The two lines an advertiser pastes on every page (tracker/SNIPPETS.md, snippet 1). */
export function trackerTag(store) {
  return `<script>window.nw=window.nw||function(){(nw.q=nw.q||[]).push(arguments)}</script>
  <script async src="${e(store.networkUrl)}/t.js" data-code="${e(store.trackingCode)}"${store.allowAutomation ? ' data-allow-automation' : ''}></script>`
}

export function layout(store, ctx, { title, body, head = '' }) {
  const count = ctx.cartCount
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${e(title ? `${title} · ${store.name}` : `${store.name} — ${store.tagline}`)}</title>
  <link rel="stylesheet" href="/style.css">
  <link rel="icon" href="/img/${e(store.theme)}-icon.svg">
  ${trackerTag(store)}${head}
</head>
<body data-theme="${e(store.theme)}">
  <header class="site-header">
    <div class="wrap bar">
      <a class="logo" href="/">${marks[store.theme]}<span>${e(store.name)}</span></a>
      <nav class="nav" aria-label="Main">
        <a href="/#products">Shop</a>
        <a class="cart-link" href="/cart">${bag}<span>Cart</span>${count > 0 ? `<span class="badge" data-testid="cart-count">${count}</span>` : ''}</a>
      </nav>
    </div>
  </header>
  <main class="wrap">
${body}
  </main>
  <footer class="site-footer">
    <div class="wrap">
      <p><strong>${e(store.name)}</strong> — ${e(store.tagline)}. A demo store: nothing is charged or shipped.</p>
      <p class="demo-note">Tracked by the affiliate network at <a href="${e(store.networkUrl)}/healthz">${e(store.networkUrl)}</a>.
        Click id in this site’s first-party cookie <code>_nclid</code>: <code id="nclid">none yet</code></p>
    </div>
  </footer>
  <script>addEventListener('load',function(){var m=document.cookie.match(/(?:^|; )_nclid=([^;]+)/);if(m)document.getElementById('nclid').textContent=m[1]})</script>
</body>
</html>`
}

const productCard = (store, p) => `
      <li class="card">
        <a href="/products/${e(p.slug)}" class="card-link">
          <img src="/img/${e(p.image)}" alt="" width="400" height="300" loading="lazy">
          <span class="card-body">
            <span class="card-title">${e(p.name)}</span>
            <span class="card-summary">${e(p.summary)}</span>
            <span class="card-price">${e(price(p.price, store.currency))}</span>
          </span>
        </a>
      </li>`

export function homePage(store, ctx) {
  return layout(store, ctx, {
    title: '',
    body: `
    <section class="hero">
      <div>
        <p class="eyebrow">${e(store.hero.eyebrow)}</p>
        <h1>${e(store.hero.title)}</h1>
        <p class="lead">${e(store.hero.text)}</p>
        <a class="btn" href="#products">Browse the ${e(store.hero.noun)}</a>
      </div>
      <img src="/img/${e(store.hero.image)}" alt="" width="400" height="300">
    </section>
    <section id="products" class="section">
      <h2>${e(store.hero.listTitle)}</h2>
      <ul class="grid">${store.products.map((p) => productCard(store, p)).join('')}
      </ul>
    </section>
    <section class="perks">
      <div><strong>Free shipping</strong><span>on every order, always</span></div>
      <div><strong>30-day returns</strong><span>no questions asked</span></div>
      <div><strong>Small makers</strong><span>chosen one by one</span></div>
    </section>`,
  })
}

export function productPage(store, ctx, p) {
  const others = store.products.filter((x) => x.sku !== p.sku).slice(0, 3)
  return layout(store, ctx, {
    title: p.name,
    body: `
    <nav class="crumbs" aria-label="Breadcrumb"><a href="/">Home</a> <span aria-hidden="true">/</span> ${e(p.name)}</nav>
    <article class="product">
      <img class="product-image" src="/img/${e(p.image)}" alt="${e(p.name)}" width="400" height="300">
      <div class="product-info">
        <h1>${e(p.name)}</h1>
        <p class="product-price">${e(price(p.price, store.currency))}</p>
        <p>${e(p.description)}</p>
        <ul class="details">${p.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>
        <form method="post" action="/cart" class="buy">
          <input type="hidden" name="action" value="add">
          <input type="hidden" name="sku" value="${e(p.sku)}">
          <label class="qty">Quantity <input type="number" name="qty" value="1" min="1" max="20" inputmode="numeric"></label>
          <button class="btn" type="submit">Add to cart</button>
        </form>
        <p class="fineprint">Free shipping · 30-day returns · Ships in 1–2 days</p>
      </div>
    </article>
    <section class="section">
      <h2>You may also like</h2>
      <ul class="grid">${others.map((x) => productCard(store, x)).join('')}
      </ul>
    </section>`,
  })
}

const lineRow = (store, line, editable) => `
        <li class="line">
          <img src="/img/${e(line.product.image)}" alt="" width="96" height="72">
          <div class="line-main">
            <a href="/products/${e(line.product.slug)}" class="line-name">${e(line.product.name)}</a>
            <span class="muted">${e(price(line.product.price, store.currency))}${editable ? ' each' : ` × ${line.qty}`}</span>
          </div>
          ${editable
            ? `<form method="post" action="/cart" class="line-qty">
            <input type="hidden" name="action" value="set"><input type="hidden" name="sku" value="${e(line.product.sku)}">
            <label><span class="sr-only">Quantity of ${e(line.product.name)}</span><input type="number" name="qty" value="${line.qty}" min="0" max="20"></label>
            <button class="btn-link" type="submit">Update</button>
            <button class="btn-link danger" type="submit" name="qty" value="0">Remove</button>
          </form>`
            : ''}
          <strong class="line-total">${e(price(line.product.price * line.qty, store.currency))}</strong>
        </li>`

const summary = (store, total, extra = '') => `
        <dl class="totals">
          <div><dt>Subtotal</dt><dd>${e(price(total, store.currency))}</dd></div>
          <div><dt>Shipping</dt><dd>Free</dd></div>
          <div class="grand"><dt>Total</dt><dd data-testid="total">${e(price(total, store.currency))}</dd></div>
        </dl>${extra}`

export function cartPage(store, ctx, cart, notice) {
  if (cart.lines.length === 0) {
    return layout(store, ctx, {
      title: 'Cart',
      body: `
    <section class="empty">
      <h1>Your cart is empty</h1>
      <p>Have a look around: everything ships free.</p>
      <a class="btn" href="/#products">Continue shopping</a>
    </section>`,
    })
  }
  const classic = store.formTrackingCode
    ? `<p class="alt-checkout">Or use the <a href="/checkout?flow=form" data-testid="classic-checkout">classic checkout</a>: it confirms the order to the network with a plain HTML form, no script needed.</p>`
    : ''
  return layout(store, ctx, {
    title: 'Cart',
    body: `
    <h1>Your cart</h1>
    ${notice ? `<p class="notice" role="status">${e(notice)}</p>` : ''}
    <div class="columns">
      <ul class="lines">${cart.lines.map((l) => lineRow(store, l, true)).join('')}
      </ul>
      <aside class="panel">
        <h2>Order summary</h2>${summary(store, cart.total, `
        <a class="btn btn-block" href="/checkout">Checkout</a>${classic}`)}
      </aside>
    </div>`,
  })
}

const field = (name, label, values, errors, attrs) => `
          <label class="field${errors[name] ? ' invalid' : ''}">
            <span>${e(label)}</span>
            <input name="${name}" value="${e(values[name] ?? '')}" ${attrs}${errors[name] ? ` aria-invalid="true" aria-describedby="${name}-error"` : ''}>
            ${errors[name] ? `<small id="${name}-error" class="error">${e(errors[name])}</small>` : ''}
          </label>`

export function checkoutPage(store, ctx, cart, { flow, values = {}, errors = {} }) {
  const classic = flow === 'form'
  return layout(store, ctx, {
    title: 'Checkout',
    body: `
    <h1>Checkout${classic ? ' <span class="tag">classic</span>' : ''}</h1>
    <div class="columns">
      <form method="post" action="/checkout" class="panel checkout" novalidate>
        <input type="hidden" name="flow" value="${classic ? 'form' : 'script'}">
        <h2>Contact</h2>
        <div class="row">${field('name', 'Full name', values, errors, 'autocomplete="name" required maxlength="100" placeholder="Bob Example"')}
${field('email', 'Email', values, errors, 'type="email" autocomplete="email" required maxlength="200" placeholder="bob@example.com"')}
        </div>
        <h2>Shipping</h2>
        ${field('address', 'Address', values, errors, 'autocomplete="street-address" required maxlength="200" placeholder="1 Harbour Street, Dublin"')}
        <h2>Payment</h2>
        <p class="demo-pay">Demo payment: nothing is charged. Your order is confirmed as soon as you place it.</p>
        <button class="btn btn-block" type="submit">Place order · ${e(price(cart.total, store.currency))}</button>
        ${classic ? '<p class="fineprint">Classic checkout: after payment, one more click sends the order to the network with a plain HTML form (seed 002), which brings you back to our thank-you page.</p>' : ''}
      </form>
      <aside class="panel">
        <h2>Your order</h2>
        <ul class="lines compact">${cart.lines.map((l) => lineRow(store, l, false)).join('')}
        </ul>${summary(store, cart.total)}
      </aside>
    </div>`,
  })
}

const orderSummary = (store, order) => `
        <ul class="lines compact">${order.lines.map((l) => lineRow(store, l, false)).join('')}
        </ul>${summary(store, order.total)}`

/** The classic flow's last step: the seed-002 form, posting the sale to the network. */
export function confirmPage(store, ctx, order) {
  return layout(store, ctx, {
    title: 'Payment approved',
    body: `
    <section class="panel confirm">
      <div class="success">${check}</div>
      <h1>Payment approved</h1>
      <p>Order <strong data-testid="order-id">${e(order.id)}</strong> is paid. One more click to finish:</p>
      <form action="${e(store.networkUrl)}/conv" method="POST">
        <input type="hidden" name="t" value="${e(store.formTrackingCode)}">
        <input type="hidden" name="amount" value="${e(decimal(order.total))}">
        <input type="hidden" name="id" value="${e(order.id)}">
        <input class="btn btn-block" type="submit" value="Click to Continue">
      </form>
      <p class="fineprint">This button posts the order to the affiliate network, which records the sale and sends you straight back to our thank-you page.</p>
      ${orderSummary(store, order)}
    </section>`,
  })
}

export function thankYouPage(store, ctx, order, { reportConversion }) {
  if (!order) {
    return layout(store, ctx, {
      title: 'Thank you',
      body: `
    <section class="panel confirm">
      <div class="success">${check}</div>
      <h1>Thank you for your order</h1>
      <p>Your order is confirmed. A confirmation is on its way to your inbox.</p>
      <a class="btn" href="/">Back to the shop</a>
    </section>`,
    })
  }
  // Snippet 2 of tracker/SNIPPETS.md: the conversion, with the order id and the amount as a decimal string.
  const conversion = reportConversion
    ? `\n  <script>nw('conversion', ${scriptJson({ orderId: order.id, amount: decimal(order.total), currency: store.currency })})</script>`
    : ''
  const firstName = order.name.split(/\s+/)[0]
  const behind = [
    order.flow === 'form'
      ? 'The classic checkout posted this sale to the network with a plain HTML form; the network recorded it and sent you here (its redirection URL).'
      : 'This page reported the sale to the network with <code>nw(\'conversion\', …)</code>, carrying the click id from the first-party cookie.',
    ...(store.apiKey
      ? [`Our server told the network about the order (<code>POST /api/v1/orders</code>), so an email with offers from other shops is on its way to ${e(order.email)}: see it in the network’s <a href="${e(store.networkUrl)}/outbox">outbox</a>.`]
      : []),
  ]
  return layout(store, ctx, {
    title: 'Thank you',
    head: conversion,
    body: `
    <section class="panel confirm">
      <div class="success">${check}</div>
      <h1>Thank you, ${e(firstName)}!</h1>
      <p>Order <strong data-testid="order-id">${e(order.id)}</strong> is confirmed. We will send it to ${e(order.address)}.</p>
      ${orderSummary(store, order)}
      <a class="btn" href="/">Continue shopping</a>
    </section>
    <section class="behind">
      <h2>Behind the scenes</h2>
      <ul>${behind.map((b) => `<li>${b}</li>`).join('')}</ul>
    </section>`,
  })
}

export function messagePage(store, ctx, { title, text }) {
  return layout(store, ctx, {
    title,
    body: `
    <section class="empty">
      <h1>${e(title)}</h1>
      <p>${e(text)}</p>
      <a class="btn" href="/">Go to the shop</a>
    </section>`,
  })
}

export const notFoundPage = (store, ctx) => messagePage(store, ctx, { title: 'We could not find that page', text: 'It may have moved, or the link was mistyped.' })
