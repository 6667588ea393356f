// Ready-to-paste integration snippets for a tracking code (F3): the tracker tag, the thank-you call, the
// image pixel, the HTML form, the server-to-server postback and calls to POST /api/v1/conversions.
// Pure functions of already-validated values (the public URL, generated codes and ids, an ISO currency);
// the strings are plain text — whoever shows them escapes them.
import type { AttributionModel } from '../storage/types.js'
import { minorDigits } from '../money.js'

export interface SnippetInput {
  /** The network's public origin, without a trailing slash. */
  publicUrl: string
  /** The tracking code (t=…). */
  code: string
  postbackSecret: string
  campaignId: string
  currency: string
  cookieWindowDays: number
  attribution: AttributionModel
}

export interface Snippets {
  /** On every page: the queue stub and the async tracker tag. */
  scriptTag: string
  /** On the thank-you page, after the tag: reports the order through the tracker. */
  conversionCall: string
  /** Without any script: a GET image pixel on the thank-you page. */
  pixel: string
  /** Without any script: a form posting the order to the network, which redirects to the thank-you page. */
  form: string
  /** Server to server, authenticated by the secret as a token. */
  postbackUrl: string
  /** Server to server, authenticated by an HMAC signature instead of the secret itself. */
  postbackSignedUrl: string
  /** How to compute `signature` for postbackSignedUrl. */
  postbackSignature: string
  /** POST /api/v1/conversions from the advertiser's server. */
  curl: string
  node: string
  php: string
  python: string
}

/** An example amount valid in the currency: 19.95 for EUR, 1995 for JPY, 19.950 for BHD. */
export function exampleAmount(currency: string): string {
  const digits = minorDigits(currency)
  return digits === 0 ? '1995' : `19.${'95'.padEnd(digits, '0').slice(0, digits)}`
}

const queueStub = '<script>window.nw=window.nw||function(){(nw.q=nw.q||[]).push(arguments)}</script>'

export function scriptTag(s: SnippetInput): string {
  // No model attribute: the network applies the campaign's first- or last-click model itself.
  const window = s.cookieWindowDays === 30 ? '' : ` data-window="${s.cookieWindowDays}"`
  return `${queueStub}\n<script async src="${s.publicUrl}/t.js" data-code="${s.code}"${window}></script>`
}

export function conversionCall(s: SnippetInput): string {
  return `<script>nw('conversion', { orderId: 'ORDER_ID', amount: '${exampleAmount(s.currency)}', currency: '${s.currency}' })</script>`
}

export function pixel(s: SnippetInput): string {
  return `<img src="${s.publicUrl}/px?t=${s.code}&amp;amount=${exampleAmount(s.currency)}&amp;id=ORDER_ID" width="1" height="1" alt="">`
}

export function form(s: SnippetInput): string {
  return [
    `<form method="POST" action="${s.publicUrl}/conv">`,
    `  <input type="hidden" name="t" value="${s.code}">`,
    `  <input type="hidden" name="amount" value="${exampleAmount(s.currency)}">`,
    `  <input type="hidden" name="id" value="ORDER_ID">`,
    '  <button type="submit">Confirm order</button>',
    '</form>',
  ].join('\n')
}

const postbackBase = (s: SnippetInput) => `${s.publicUrl}/postback?t=${s.code}&nclid={click_id}&id={order_id}&amount={amount}&currency={currency}`

export const postbackUrl = (s: SnippetInput) => `${postbackBase(s)}&token=${encodeURIComponent(s.postbackSecret)}`

export const postbackSignedUrl = (s: SnippetInput) => `${postbackBase(s)}&ts={unix_time}&signature={signature}`

export function postbackSignature(s: SnippetInput): string {
  return [
    'signature = hex HMAC-SHA256(secret, "t|id|amount|currency|nclid|ts"): the values of those parameters joined by "|",',
    'keyed with this tracking code\'s postback secret; ts is the current Unix time in seconds (accepted within 5 minutes).',
    'With the signature the secret never travels. In Node:',
    `  createHmac('sha256', secret).update(['${s.code}', orderId, amount, currency, clickId, ts].join('|')).digest('hex')`,
  ].join('\n')
}

const apiUrl = (s: SnippetInput) => `${s.publicUrl}/api/v1/conversions`
const clickIdNote = 'the click id: the _nclid cookie the tracker keeps on your domain (or the nclid parameter of the landing URL)'

export function curl(s: SnippetInput): string {
  const body = JSON.stringify({ campaignId: s.campaignId, orderId: 'ORDER_ID', amount: exampleAmount(s.currency), currency: s.currency, clickId: 'CLICK_ID' })
  return [
    `# CLICK_ID: ${clickIdNote}`,
    `curl -X POST '${apiUrl(s)}' \\`,
    `  -H "Authorization: Bearer $NETWORK_API_KEY" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${body}'`,
  ].join('\n')
}

export function node(s: SnippetInput): string {
  return [
    `// clickId: ${clickIdNote}`,
    `const response = await fetch('${apiUrl(s)}', {`,
    `  method: 'POST',`,
    `  headers: { Authorization: \`Bearer \${process.env.NETWORK_API_KEY}\`, 'Content-Type': 'application/json' },`,
    `  body: JSON.stringify({ campaignId: '${s.campaignId}', orderId: 'ORDER_ID', amount: '${exampleAmount(s.currency)}', currency: '${s.currency}', clickId: 'CLICK_ID' }),`,
    `})`,
    `if (!response.ok) throw new Error(\`the network answered \${response.status}: \${await response.text()}\`)`,
  ].join('\n')
}

export function php(s: SnippetInput): string {
  return [
    '<?php',
    `// clickId: ${clickIdNote}`,
    '$payload = json_encode([',
    `    'campaignId' => '${s.campaignId}',`,
    `    'orderId' => 'ORDER_ID',`,
    `    'amount' => '${exampleAmount(s.currency)}',`,
    `    'currency' => '${s.currency}',`,
    `    'clickId' => $_COOKIE['_nclid'] ?? null,`,
    ']);',
    `$ch = curl_init('${apiUrl(s)}');`,
    'curl_setopt_array($ch, [',
    '    CURLOPT_POST => true,',
    '    CURLOPT_POSTFIELDS => $payload,',
    "    CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Authorization: Bearer ' . getenv('NETWORK_API_KEY')],",
    '    CURLOPT_RETURNTRANSFER => true,',
    '    CURLOPT_TIMEOUT => 5,',
    ']);',
    ...phpSendAndLog('the network did not record the conversion'),
  ].join('\n')
}

/**
 * The end of a PHP snippet: sends the prepared `$ch`, and tells the shop's error log when the network refused
 * (a status of 300 or more) or could not be reached, with `problem` first.
 */
export const phpSendAndLog = (problem: string): string[] => [
  '$response = curl_exec($ch);',
  '$status = curl_getinfo($ch, CURLINFO_HTTP_CODE);',
  `if ($response === false || $status >= 300) error_log('${problem}: ' . ($response === false ? curl_error($ch) : "$status $response"));`,
  'curl_close($ch);',
]

export function python(s: SnippetInput): string {
  return [
    'import json, os, urllib.request',
    '',
    `# clickId: ${clickIdNote}`,
    `payload = {"campaignId": "${s.campaignId}", "orderId": "ORDER_ID", "amount": "${exampleAmount(s.currency)}", "currency": "${s.currency}", "clickId": "CLICK_ID"}`,
    'request = urllib.request.Request(',
    `    "${apiUrl(s)}",`,
    '    data=json.dumps(payload).encode(),',
    '    headers={"Authorization": "Bearer " + os.environ["NETWORK_API_KEY"], "Content-Type": "application/json"},',
    '    method="POST",',
    ')',
    'with urllib.request.urlopen(request, timeout=5) as response:',
    '    print(response.status, json.load(response))',
  ].join('\n')
}

export function trackingSnippets(s: SnippetInput): Snippets {
  return {
    scriptTag: scriptTag(s),
    conversionCall: conversionCall(s),
    pixel: pixel(s),
    form: form(s),
    postbackUrl: postbackUrl(s),
    postbackSignedUrl: postbackSignedUrl(s),
    postbackSignature: postbackSignature(s),
    curl: curl(s),
    node: node(s),
    php: php(s),
    python: python(s),
  }
}
