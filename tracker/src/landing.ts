import { data } from './config'
import { isClickId } from './clickId'
import { readClickId, storeClickId } from './cookie'
import { skip } from './debug'

/** F2: keeps the click id the network put on the landing URL in a first-party cookie. */
export const captureClick = (): void => {
  const url = new URL(location.href)
  const query = url.searchParams
  for (const param of (data.param || 'nclid').split(','))
    if (query.has(param)) {
      const id = query.get(param)
      // An empty or malformed id must never replace a good one.
      if (!isClickId(id)) skip('malformed ' + param)
      else if (data.model == 'first' && readClickId()) skip('already stored')
      else storeClickId(id)
      if ('strip' in data) {
        query.delete(param)
        history.replaceState(history.state, '', url)
      }
    }
}
