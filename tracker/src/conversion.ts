import { data, endpoint } from './config'
import { readClickId } from './cookie'
import { send } from './transport'

export interface Conversion {
  orderId?: string | number
  /** A number or a decimal string, sent exactly as given: the server parses money, the browser never does. */
  amount?: string | number
  currency?: string
  type?: 'sale' | 'lead' | 'order'
  code?: string
  /** Only for `order`: the buyer the network emails offers to, in the shop's name. */
  email?: string
  name?: string
}

/** F3 method 1: `nw('conversion', {...})` on the thank-you page. */
export const conversion = (input: Conversion): void => {
  // A reloaded thank-you page reports the order again: the network keeps one conversion per order id (the
  // repeat can only add evidence the first hit lacked), so nothing is remembered in the browser.
  // The page's own names go out as given (the server reads orderId, amount, currency, type, email, name),
  // plus the tracking code and the stored click ids, the latest and the first (the same id, often).
  const fields = { ...input, t: input.code || data.code, nclid: readClickId(), nclid1: readClickId(1) }
  // URLSearchParams turns each value into String(value): an amount goes out exactly as the page gave it.
  send(endpoint + '/px', new URLSearchParams(Object.entries(fields).filter(([, value]) => value != null) as string[][]))
}

/** F6: `nw('order', { orderId, amount, currency, email, name })` on a monetizing shop's confirmation page. */
export const order = (input: Conversion): void => conversion({ ...input, type: 'order' })
