/**
 * The script tag's settings, read once while the script runs (`document.currentScript` is only set then).
 * Each attribute is read where it is used: an options object's property names would survive minification.
 */

/**
 * The tag's `data-*` attributes: endpoint, code, param, window, model, domain, and the flags strip, debug,
 * allowAutomation, which are on when present (`'strip' in data`).
 */
export let data: DOMStringMap
/** Origin of the network: conversions go to `${endpoint}/px`, forms post to `${endpoint}/conv`. */
export let endpoint: string

export const readConfig = (script: HTMLScriptElement): void => {
  data = script.dataset
  // The script is served by the network, so its origin is where hits go unless told otherwise.
  endpoint = data.endpoint || new URL(script.src).origin
}
