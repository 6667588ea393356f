// The demo shop: plain pages on their own origin, using the network's tracker exactly as an advertiser would.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('./public/', import.meta.url))
const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' }

export async function startDemoShop({ port, host, networkUrl, trackingCode = 'TCDEMOSHOP' }) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://shop').pathname
    const file = normalize(join(root, path === '/' ? 'index.html' : path.endsWith('/') ? `${path}index.html` : path.includes('.') ? path : `${path}.html`))
    if (!file.startsWith(root)) {
      res.writeHead(400).end()
      return
    }
    try {
      let body = await readFile(file)
      const type = types[extname(file)] ?? 'application/octet-stream'
      if (type.startsWith('text/html')) {
        body = Buffer.from(body.toString('utf8').replaceAll('{{NETWORK}}', networkUrl).replaceAll('{{CODE}}', trackingCode))
      }
      res.writeHead(200, { 'Content-Type': type })
      res.end(body)
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' }).end('<h1>Not found</h1>')
    }
  })
  await new Promise((resolve) => server.listen(port, host, resolve))
  const address = server.address()
  return {
    url: `http://${host}:${address.port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
