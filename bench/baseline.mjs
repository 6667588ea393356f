// The baseline: a bare node:http server answering the same shapes as the network's hot paths with no work
// at all — no storage, no hashing, no cookies to verify. The network's numbers are read as ratios to this,
// measured in the same run on the same machine with the same load settings.
//   GET  /c/…                  → 302 with a Location and a Set-Cookie, like a click redirect
//   GET  /px…                  → 200 with a 1×1 GIF, like the pixel
//   POST /api/v1/conversions   → reads and parses the JSON body, 201 with a small JSON answer
import { createServer } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'

const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')
const noStore = 'no-store, no-cache, must-revalidate, max-age=0'
let seq = 0

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const url = req.url ?? '/'
  if (req.method === 'GET' && url.startsWith('/c/')) {
    const id = `clk_baseline${++seq}`
    res.writeHead(302, {
      Location: `http://127.0.0.1:9/?nclid=${id}`,
      'Set-Cookie': `nw=${id}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax`,
      'Cache-Control': noStore,
      'Referrer-Policy': 'no-referrer-when-downgrade',
    })
    return res.end()
  }
  if (req.method === 'GET' && url.startsWith('/px')) {
    res.writeHead(200, { 'Content-Type': 'image/gif', 'Content-Length': gif.length, 'Cache-Control': noStore, Pragma: 'no-cache', Expires: '0' })
    return res.end(gif)
  }
  if (req.method === 'POST' && url.startsWith('/api/v1/conversions')) {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      let body
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        res.writeHead(400, { 'Content-Type': 'application/json; charset=utf-8' })
        return res.end('{"error":{"code":"bad_json"}}')
      }
      res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': noStore })
      res.end(JSON.stringify({ conversion: { id: `cnv_baseline${++seq}`, orderId: body.orderId, status: 'pending' }, reason: 'no_click' }))
    })
    return
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' })
  res.end('not found')
})

const delay = monitorEventLoopDelay({ resolution: 1 })
delay.enable()

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` })
})
process.on('message', (message) => {
  if (message?.type === 'stats') {
    process.send?.({ type: 'stats', cpu: process.cpuUsage(), loopDelay: { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 } })
    delay.reset()
  }
  if (message?.type === 'stop') server.close(() => process.exit(0)) && server.closeAllConnections()
})
process.on('disconnect', () => process.exit(0))
