// Helpers for the API tests: the real server (every URL the API builds points at the port it bound) and a
// small JSON client per API key.
import { startTestNetwork, type TestNetwork, type TestNetworkOptions } from '../support/network.js'


export interface Answer {
  status: number
  headers: Headers
  // Tests read answers structurally; `any` keeps each assertion short.
  body: any
}

export type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Answer>

/** Calls `${url}/api/v1${path}` with the key; a body is sent as JSON unless it is already a string. */
export function client(url: string, key: string | null): Call {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: {
        ...(key && { authorization: `Bearer ${key}` }),
        ...(body !== undefined && typeof body !== 'string' && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    let parsed: unknown = null
    if (text) {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = text
      }
    }
    return { status: res.status, headers: res.headers, body: parsed }
  }
}

export interface ApiNetwork {
  network: TestNetwork
  /** Demo accounts: the shop (advertiser and publisher), a publisher and the admin. */
  shop: Call
  publisher: Call
  admin: Call
  anonymous: Call
  demoKey(role: 'advertiser' | 'publisher' | 'admin'): string
  /** Creates an account through POST /accounts as admin and returns a client with its first key. */
  account(roles: string[], name?: string): Promise<{ id: string; key: string; call: Call }>
}

let counter = 0

export async function startApiNetwork(options: TestNetworkOptions = {}): Promise<ApiNetwork> {
  const network = await startTestNetwork({ SEED_DEMO: 'true' }, undefined, options)
  const demoKey = (role: string) => network.demo!.accounts.find((a) => a.role === role)!.apiKey
  const admin = client(network.url, demoKey('admin'))
  return {
    network,
    shop: client(network.url, demoKey('advertiser')),
    publisher: client(network.url, demoKey('publisher')),
    admin,
    anonymous: client(network.url, null),
    demoKey,
    async account(roles, name) {
      const n = ++counter
      const res = await admin('POST', '/accounts', { name: name ?? `Test ${roles.join('+')} ${n}`, email: `test-${n}-${Date.now()}@example.com`, roles })
      if (res.status !== 201) throw new Error(`could not create an account: ${JSON.stringify(res.body)}`)
      return { id: res.body.account.id, key: res.body.apiKey.key, call: client(network.url, res.body.apiKey.key) }
    },
  }
}

/** A minimal valid campaign body. */
export const campaignBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'Spring sale',
  currency: 'EUR',
  landingUrls: ['https://shop.example/spring', 'https://shop.example/'],
  saleRule: { kind: 'percent', percent: '12.5' },
  leadRule: { amount: '1.50' },
  ...overrides,
})

/** A browser-like user agent: the click recorder flags tool user agents as bots. */
export const browserAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'
