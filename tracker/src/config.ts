/**
 * The script tag's settings, read once while the script runs (`document.currentScript` is only set then).
 * Each attribute is read where it is used: an options object's property names would survive minification.
 */

/**
 * The tag's `data-*` attributes: endpoint, code, param, window, domain, and the flags strip, debug,
 * allowAutomation, which are on when present (`'strip' in data`). (`data-model` is gone: the network applies
 * the campaign's first- or last-click model to both ids the tracker keeps.)
 */
export let data: DOMStringMap
/**
 * Where hits go, absolute and without a trailing slash: conversions to `${endpoint}/px`, forms to
 * `${endpoint}/conv`. `data-endpoint` (resolved against the page, so `/_nw` names the shop's own first-party
 * proxy path), else the folder the script was loaded from: `https://network/t.js` → the network,
 * `https://shop/_nw/t.js` → the shop's proxy path.
 */
export let endpoint: string
export const readConfig = (script: HTMLScriptElement): void => {
  data = script.dataset
  // `new URL('.', src)` is the script's folder (its query dropped); an absolute URL ignores the base.
  endpoint = new URL(data.endpoint || new URL('.', script.src), location.href).href.replace(/\/$/, '')
}
