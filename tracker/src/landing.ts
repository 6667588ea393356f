import { endpoint, data } from './config'
import { isClickId } from './clickId'
import { storeClickId } from './cookie'
import { skip } from './debug'
import { send } from './transport'

/**
 * F2: keeps the click id the network put on the landing URL in first-party cookies. In first-party mode the
 * network also hears of it through the shop's proxy path, and keeps it in its own server-set cookie there.
 */
export const captureClick = (): void => {
  const url = new URL(location.href)
  const query = url.searchParams
  for (const param of (data.param || 'nclid').split(','))
    if (query.has(param)) {
      const id = query.get(param)
      // An empty or malformed id must never replace a good one.
      if (!isClickId(id)) skip('malformed ' + param)
      else {
        storeClickId(id)
        // First-party mode: the endpoint is on the page's own site (a prefix is enough: a lookalike host
        // would only get a landing call it ignores).
        endpoint.indexOf(location.origin) || send(endpoint + '/land', 'nclid=' + id)
      }
      if ('strip' in data) {
        query.delete(param)
        history.replaceState(history.state, '', url)
      }
    }
}
