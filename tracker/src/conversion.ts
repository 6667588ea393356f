import { data, endpoint } from './config'
import { readClickId } from './cookie'
import { skip } from './debug'
import { send } from './transport'

export interface Conversion {
  orderId?: string | number
  /** A number or a decimal string, sent exactly as given: the server parses money, the browser never does. */
  amount?: string | number
  currency?: string
  type?: 'sale' | 'lead'
  code?: string
}

/** F3 method 1: `nw('conversion', {...})` on the thank-you page. */
export const conversion = (input: Conversion): void => {
  const orderId = input.orderId
  if (orderId != null) {
    // A reloaded thank-you page must not report the order again; without storage, sending beats losing it.
    try {
      const key = 'nw:' + orderId
      if (sessionStorage[key]) return skip('already sent')
      sessionStorage[key] = 1
    } catch {}
  }
  const fields = {
    t: input.code || data.code,
    id: orderId,
    amount: input.amount,
    currency: input.currency,
    type: input.type || 'sale',
    nclid: readClickId(),
  }
  // URLSearchParams turns each value into String(value): an amount goes out exactly as the page gave it.
  send(endpoint + '/px', new URLSearchParams(Object.entries(fields).filter(([, value]) => value != null) as string[][]))
}
