// A local stand-in for Mailgun's HTTP API (real HTTP, real multipart parsing), for mailgun.js to talk to
// through its `url` option. It records what it received and answers with scripted statuses; a test may hold a
// response (the request is recorded at once, the answer waits) to put a concurrent sender at a known point.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'

export interface ReceivedMessage {
  domain: string
  authorization: string | undefined
  fields: Record<string, string[]>
  /** First value of a field. */
  get(name: string): string | undefined
  at: number
}

export interface FakeMailgun {
  url: string
  /** Accepted messages (answered 200). */
  messages: ReceivedMessage[]
  /** Every request, answered with any status. */
  requests: ReceivedMessage[]
  /** Statuses to answer the next requests with, in order; then 200. */
  failNext(...statuses: number[]): void
  /**
   * Holds the answer to the next request until `release()`: `received` resolves as soon as that request is
   * recorded, while its sender still waits for Mailgun. Later requests are answered as usual.
   */
  holdNext(): HeldResponse
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>
  close(): Promise<void>
}

export interface HeldResponse {
  received: Promise<ReceivedMessage>
  release(): void
}

async function formFields(req: IncomingMessage): Promise<Record<string, string[]>> {
  const request = new Request('http://fake/', {
    method: 'POST',
    headers: req.headers as Record<string, string>,
    body: Readable.toWeb(req) as ReadableStream,
    duplex: 'half',
  } as RequestInit)
  const form = await request.formData()
  const fields: Record<string, string[]> = {}
  for (const [name, value] of form.entries()) (fields[name] ??= []).push(typeof value === 'string' ? value : await value.text())
  return fields
}

export async function startFakeMailgun(): Promise<FakeMailgun> {
  const messages: ReceivedMessage[] = []
  const requests: ReceivedMessage[] = []
  const script: number[] = []
  const holds: { received: (m: ReceivedMessage) => void; released: Promise<void> }[] = []
  const releases: (() => void)[] = []
  const server = createServer(async (req, res) => {
    const match = /^\/v3\/([^/]+)\/messages$/.exec(req.url ?? '')
    if (req.method !== 'POST' || !match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'not found' }))
      return
    }
    const fields = await formFields(req)
    const received: ReceivedMessage = { domain: match[1]!, authorization: req.headers.authorization, fields, get: (n) => fields[n]?.[0], at: Date.now() }
    requests.push(received)
    const hold = holds.shift()
    if (hold) {
      hold.received(received)
      await hold.released
    }
    const status = script.shift() ?? 200
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `scripted ${status}` }))
      return
    }
    messages.push(received)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ id: `<${Date.now()}.${messages.length}@${match[1]}>`, message: 'Queued. Thank you.' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    messages,
    requests,
    failNext: (...statuses) => void script.push(...statuses),
    holdNext() {
      let received!: (m: ReceivedMessage) => void
      let release!: () => void
      const receivedPromise = new Promise<ReceivedMessage>((resolve) => (received = resolve))
      const released = new Promise<void>((resolve) => (release = resolve))
      holds.push({ received, released })
      releases.push(release)
      return { received: receivedPromise, release }
    },
    async waitFor(count, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs
      while (messages.length < count) {
        if (Date.now() > end) throw new Error(`fake Mailgun got ${messages.length} of ${count} messages`)
        await new Promise((r) => setTimeout(r, 25))
      }
      return messages
    },
    close: () => new Promise<void>((resolve) => {
      for (const release of releases) release()
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}
