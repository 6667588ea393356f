// Which proxies' X-Forwarded-For is believed: the one rule for Express (req.ip) and for the tracking hot paths
// on plain node:http (clientIp in tracking/visitor.ts). Unset, nothing is: the client is the socket's peer, so
// a visitor cannot pick their own address (and escape a per-address limit) by sending the header.
/// <reference path="./types/proxy-addr.d.ts" />
import type { IncomingMessage } from 'node:http'
import proxyaddr from 'proxy-addr'

/** Trusts `address`, the `hop`-th address counted from the socket (0 = the peer itself), as a proxy. */
export type TrustProxy = (address: string, hop: number) => boolean

const trustNothing: TrustProxy = () => false

/**
 * TRUST_PROXY as Express reads 'trust proxy': a hop count (`1` = one proxy in front), or a comma-separated list of
 * addresses, CIDR ranges and the names loopback, linklocal, uniquelocal. Throws a TypeError naming the bad entry.
 */
export function compileTrustProxy(value: string | undefined): TrustProxy {
  const text = value?.trim() ?? ''
  if (text === '') return trustNothing
  if (/^\d+$/.test(text)) {
    const hops = Number(text)
    return (_address, hop) => hop < hops
  }
  const entries = text.split(',').map((entry) => entry.trim())
  if (entries.some((entry) => entry === '')) throw new TypeError('empty entry in the list')
  return proxyaddr.compile(entries)
}

/** The client's address: the socket's peer, or the first address before the trusted proxies. */
export const clientAddress = (req: IncomingMessage, trust: TrustProxy): string => proxyaddr(req, trust) ?? ''
