// Who is visiting, without keeping who they are: the IP address is only ever stored as a keyed hash.
import { createHmac } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isbot } from 'isbot'
import { clientAddress, type TrustProxy } from '../trustProxy.js'

/** The visitor's address under TRUST_PROXY, as Express's req.ip reads it (the same proxy-addr rule). */
export const clientIp = (req: IncomingMessage, trust: TrustProxy): string => clientAddress(req, trust)

/** Keyed with the server secret, so a hash cannot be reversed by hashing every IPv4 address. */
export const hashIp = (secret: string, ip: string) => createHmac('sha256', secret).update(`ip:${ip}`).digest('base64url').slice(0, 22)

/** One visitor = one IP with one user agent; used for duplicate clicks. */
export const visitorKey = (secret: string, ip: string, userAgent: string) =>
  createHmac('sha256', secret).update(`visitor:${ip}\n${userAgent}`).digest('base64url').slice(0, 22)

// Crawlers, link previewers, monitors and headless tools identify themselves in the user agent: the maintained
// `isbot` list, plus our own additions (HTTP libraries and previewers it lets through).
const botPattern = new RegExp(
  [
    'bot\\b', 'bot/', 'crawler', 'spider', 'slurp', 'crawl', 'mediapartners', 'facebookexternalhit', 'facebookcatalog',
    'embedly', 'quora link preview', 'whatsapp', 'telegrambot', 'skypeuripreview', 'bitlybot', 'outbrain',
    'pinterest', 'vkshare', 'w3c_validator', 'headlesschrome', 'phantomjs', 'python-requests', 'python-urllib',
    'curl/', 'wget/', 'go-http-client', 'java/', 'okhttp', 'axios/', 'node-fetch', 'undici', 'libwww-perl',
    'httpclient', 'scrapy', 'lighthouse', 'pingdom', 'uptimerobot', 'statuscake', 'preview',
  ].join('|'),
  'i',
)

export const isBot = (userAgent: string) => userAgent.trim() === '' || isbot(userAgent) || botPattern.test(userAgent)
