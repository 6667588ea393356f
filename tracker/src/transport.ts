/**
 * Sends a hit without a CORS preflight: a form-encoded POST is a "simple" request. sendBeacon survives the
 * page being closed, and so does fetch keepalive, used where sendBeacon is missing or refuses; the image
 * pixel (a GET with the same fields) is left when either throws or fetch fails. Nothing here rejects.
 */
export const send = async (url: string, body: URLSearchParams | string): Promise<void> => {
  try {
    navigator.sendBeacon?.(url, body) ||
      (await fetch(url, { method: 'POST', body, keepalive: true, mode: 'no-cors', credentials: 'include' }))
  } catch {
    new Image().src = url + '?' + body
  }
}
