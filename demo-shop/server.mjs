// The demo sites, each on its own origin (port), using the network exactly as its customers would:
//   Demo Shop    an advertiser that also monetizes: tracker on every page, conversion on the thank-you page,
//                a classic checkout with the seed-002 POST form, and each order notified to the network
//   Demo Garden  a second advertiser, where the offer emails lead
//   Quiet Corners  the demo publisher's blog, with tracked links to both
// Plain Node, no framework, no build step. The codes must match server/src/demo/seed.ts.
import { createServer } from 'node:http'
import { shopProducts, gardenProducts } from './src/catalog.mjs'
import { createBlog } from './src/blog.mjs'
import { close, listen } from './src/http.mjs'
import { createStore } from './src/store.mjs'

export async function startDemoShop({
  port,
  host,
  networkUrl,
  gardenPort,
  blogPort,
  apiKey = null,
  allowAutomation = false,
  trackingCode = 'TCDEMOSHOP',
  formTrackingCode = 'TCDEMOFORM',
  gardenTrackingCode = 'TCDEMOGARDEN',
  shopLinkCode = 'demo-link',
  gardenLinkCode = 'demo-garden-link',
  log = (message) => console.warn(message),
}) {
  const network = networkUrl.replace(/\/$/, '')
  const shop = createStore({
    name: 'Demo Shop', tagline: 'small things for a calmer home', theme: 'shop', currency: 'EUR', cookiePrefix: 'ds', orderPrefix: 'DS',
    hero: {
      eyebrow: 'New this week', title: 'Small things for a calmer home.', noun: 'shop', listTitle: 'Our favourites', image: 'planter.svg',
      text: 'Stoneware, linen and warm light, from small makers we know by name. Free shipping on everything.',
    },
    products: shopProducts, networkUrl: network, trackingCode, formTrackingCode, apiKey, allowAutomation, log,
  })
  const garden = createStore({
    name: 'Demo Garden', tagline: 'seeds, tools and green ideas', theme: 'garden', currency: 'EUR', cookiePrefix: 'dg', orderPrefix: 'DG',
    hero: {
      eyebrow: 'Welcome, gardener', title: 'Grow something this weekend.', noun: 'garden shop', listTitle: 'Balcony essentials', image: 'watering-can.svg',
      text: 'Heirloom seeds and honest tools for balconies, windowsills and small gardens. 10 % off your first order.',
    },
    products: gardenProducts, networkUrl: network, trackingCode: gardenTrackingCode, formTrackingCode: null, apiKey: null, allowAutomation, log,
  })
  const blog = createBlog({ networkUrl: network, shopLinkCode, gardenLinkCode, log })

  const servers = []
  const start = async (handle, sitePort) => {
    const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => void handle(req, res))
    servers.push(server)
    return listen(server, sitePort, host)
  }
  try {
    const url = await start(shop, port)
    const gardenUrl = gardenPort === undefined ? null : await start(garden, gardenPort)
    const blogUrl = blogPort === undefined ? null : await start(blog, blogPort)
    return { url, gardenUrl, blogUrl, stop: () => Promise.all(servers.map(close)).then(() => undefined) }
  } catch (error) {
    await Promise.all(servers.filter((s) => s.listening).map(close))
    throw error
  }
}
