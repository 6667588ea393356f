// The demo publisher's site: one blog post whose affiliate links are the publisher's tracked links on the
// network (GET NETWORK/c/CODE, with the post as sub-id), exactly as a publisher would paste them.
import { escapeHtml as e, sendHtml, serveStatic } from './http.mjs'

const post = 'desk-corner'

export function createBlog({ networkUrl, shopLinkCode, gardenLinkCode, log }) {
  const link = (code, placement) => `${networkUrl}/c/${encodeURIComponent(code)}?sub1=${post}&sub2=${placement}`
  const shop = (placement, text) => `<a href="${e(link(shopLinkCode, placement))}" rel="sponsored" data-testid="shop-link-${placement}">${text}</a>`
  const garden = (placement, text) => `<a href="${e(link(gardenLinkCode, placement))}" rel="sponsored" data-testid="garden-link-${placement}">${text}</a>`

  const page = () => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Five small things that made my desk corner calmer · Quiet Corners</title>
  <link rel="stylesheet" href="/blog.css">
  <link rel="icon" href="/img/blog-icon.svg">
</head>
<body>
  <header class="masthead">
    <a href="/" class="brand">Quiet Corners</a>
    <p>Small rooms, slow mornings, things that last.</p>
  </header>
  <main>
    <article>
      <p class="meta">Home · 6 minute read · by Mara, for Demo Publisher</p>
      <h1>Five small things that made my desk corner calmer</h1>
      <p class="disclosure">This post contains affiliate links: if you buy through them, I earn a small commission, at no cost to you.</p>
      <img class="wide" src="/img/lamp.svg" alt="" width="400" height="300">
      <p>My “office” is a corner of the living room, one metre twenty of desk between a window and a bookshelf. For a long time it was where
        cables and coffee rings went to live. This spring I changed five small things, and I now actually like sitting there.</p>
      <h2>1. Warm light that stays out of my eyes</h2>
      <p>The single biggest change. The Arc Desk Lamp from ${shop('lamp', 'Demo Shop')} has a warm 2700 K light and an arm that puts it on the
        page instead of in my face. Three steps of brightness, powered from the same USB-C charger as my laptop.</p>
      <h2>2. One good mug</h2>
      <p>I drink more water and fewer cold coffees since I bought a mug I like looking at. The speckled Fjord Mug is heavy in the good way.</p>
      <figure class="pick">
        <img src="/img/mug.svg" alt="" width="400" height="300">
        <figcaption>
          <strong>Fjord Mug, Linen Notebook and friends</strong>
          <span>Everything on my desk comes from Demo Shop, a small shop with free shipping.</span>
          ${shop('card', '<span class="button">Visit Demo Shop →</span>')}
        </figcaption>
      </figure>
      <h2>3. Paper for thinking</h2>
      <p>A notebook that lies flat means I actually use it. The dotted pages of the Linen Notebook are the right amount of structure.</p>
      <h2>4. Something green</h2>
      <p>A pothos in a Pebble Planter, and on the windowsill a pot of basil I grew from seed. The seeds, gloves and the tiny trowel came
        from ${garden('text', 'Demo Garden')}, which sells everything for a balcony garden.</p>
      <figure class="pick">
        <img src="/img/seeds.svg" alt="" width="400" height="300">
        <figcaption>
          <strong>Start a windowsill garden</strong>
          <span>Heirloom seeds, a copper watering can and good gloves from Demo Garden.</span>
          ${garden('card', '<span class="button green">Visit Demo Garden →</span>')}
        </figcaption>
      </figure>
      <h2>5. A candle for the end of the day</h2>
      <p>When I light the Cedar Candle, work is over. It is a ritual, and it works. You will find it at ${shop('candle', 'Demo Shop')} as well.</p>
    </article>
    <aside class="about">
      <h2>About this blog</h2>
      <p>Quiet Corners is the demo publisher of the affiliate network. Every shop link on this page is a tracked link: the network records
        the click, remembers it for 30 days and sends you on to the shop, which then credits the sale to this blog.</p>
    </aside>
  </main>
  <footer class="foot">© Quiet Corners — a demo site.</footer>
</body>
</html>`

  return async function handle(req, res) {
    const path = new URL(req.url ?? '/', 'http://blog').pathname
    const get = req.method === 'GET' || req.method === 'HEAD'
    try {
      if (get && (path === '/' || path === `/posts/${post}`)) return sendHtml(res, 200, page())
      if (get && (await serveStatic(res, path))) return
      sendHtml(res, 404, '<!doctype html><meta charset="utf-8"><title>Not found</title><link rel="stylesheet" href="/blog.css"><main><h1>Not found</h1><p><a href="/">Read the blog</a></p></main>')
    } catch (error) {
      log(`blog: ${error.stack ?? error}`)
      if (!res.headersSent) sendHtml(res, 500, '<!doctype html><title>Error</title><h1>Something went wrong</h1>')
    }
  }
}
