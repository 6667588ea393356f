import { data } from './config'

/**
 * The latest click id (cookie `_nclid`), or with `which` 1 the first one (`_nclid1`); a stored value that is
 * not a click id counts as none. (String.match builds the RegExp from the string.)
 */
export const readClickId = (which: '' | 1 = ''): string | undefined =>
  document.cookie.match('(^|; )_nclid' + which + '=([\\w-]{16,64})(;|$)')?.[2]

/**
 * Stores the click id as the latest, and as the first when none is kept, for every subdomain of the shop.
 * Browsers refuse a cookie on a public suffix (co.uk, github.io) and on any part of an IP address, so, trying
 * suffixes shortest first, the first one that sticks is the registrable domain. A single-label host
 * (localhost) gets a host-only cookie. The network decides which of the two earns (the campaign's model).
 */
export const storeClickId = (id: string): void => {
  const write = (domain?: string) => {
    const attributes = '=' + id + ';path=/;samesite=lax;max-age=' + (+data.window! || 30) * 86400 +
      (location.protocol == 'https:' ? ';secure' : '') + (domain ? ';domain=' + domain : '')
    document.cookie = '_nclid' + attributes
    // The first id stays for its window; on a domain the browser refused, it is still missing and tried again.
    readClickId(1) || (document.cookie = '_nclid1' + attributes)
  }
  if (data.domain) return void write(data.domain)
  const labels = location.hostname.split('.')
  // From the last two labels (i = length - 2) to the whole host (i = 0).
  for (let i = labels.length - 1; i--; ) {
    write(labels.slice(i).join('.'))
    if (readClickId() == id) return
  }
  write()
}
