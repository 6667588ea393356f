// Conversion parameters as advertisers send them: our names, plus the aliases used by Post Affiliate Pro
// (TotalCost, OrderID, ProductID, Currency) and iDevAffiliate (idev_saleamt, idev_ordernum), so an
// advertiser can migrate by changing only the host in their snippet.
import { decodeComponent } from '../input.js'

export interface ConversionParams {
  code?: string
  orderId?: string
  amount?: string
  currency?: string
  type?: string
  clickId?: string
  /** The first click id the tracker kept (`_nclid1`), beside the latest: the network's model chooses. */
  firstClickId?: string
  productId?: string
  email?: string
}

const aliases: Record<keyof ConversionParams, string[]> = {
  code: ['t', 'code', 'tracking_code', 'trackingCode'],
  orderId: ['id', 'orderId', 'order_id', 'OrderID', 'idev_ordernum'],
  amount: ['amount', 'TotalCost', 'idev_saleamt'],
  currency: ['currency', 'cur', 'Currency'],
  type: ['type'],
  clickId: ['nclid', 'click_id', 'clickId'],
  firstClickId: ['nclid1', 'first_click_id', 'firstClickId'],
  productId: ['product_id', 'productId', 'ProductID'],
  email: ['email', 'customer_email'],
}

/** Picks the first present alias of each parameter; repeated parameters keep their first value. */
export function conversionParams(source: Record<string, unknown>): ConversionParams {
  const out: ConversionParams = {}
  for (const [name, names] of Object.entries(aliases) as [keyof ConversionParams, string[]][]) {
    for (const alias of names) {
      const raw = source[alias]
      const value = Array.isArray(raw) ? raw[0] : raw
      if (value !== undefined && value !== null && value !== '') {
        out[name] = typeof value === 'string' ? value : String(value)
        break
      }
    }
  }
  return out
}

/**
 * Query or form text → parameters, as integrations really send them: `&`, `;` (seed 002's own pixel writes
 * `?id=11001;amount=19.95`) and `&amp;` (a URL pasted from HTML) all separate parameters. A repeated parameter
 * keeps its first value, like conversionParams; '__proto__' and the like are plain own keys. Malformed
 * percent-encoding, invalid UTF-8 or a NUL byte throws InputError naming the parameter.
 */
export function trackingParams(text: string): Record<string, string> {
  const entries: [string, string][] = []
  const seen = new Set<string>()
  for (const pair of text.replace(/&amp;/gi, '&').split(/[&;]/)) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const rawName = eq === -1 ? pair : pair.slice(0, eq)
    const name = decodeComponent(rawName, safeName(rawName))
    const value = decodeComponent(eq === -1 ? '' : pair.slice(eq + 1), name)
    if (seen.has(name)) continue
    seen.add(name)
    entries.push([name, value])
  }
  return Object.fromEntries(entries)
}

/** A parameter's name for an error message, even when the name itself is what is malformed. */
const safeName = (raw: string) => raw.replace(/[^\w.-]/g, '').slice(0, 50) || 'parameter'
