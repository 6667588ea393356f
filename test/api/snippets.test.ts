// The ready-to-paste snippets of a tracking code, character for character: a snippet that drifts from what
// the tracking endpoints accept breaks every advertiser who pastes it. The text is pinned here; that it works is
// proved in snippetsRun.test.ts, which runs the served cURL, Node, PHP and Python calls against a real network.
import { describe, expect, it } from 'vitest'
import * as snippets from '../../server/src/trackingCodes/snippets.js'
import type { SnippetInput } from '../../server/src/trackingCodes/snippets.js'

const input: SnippetInput = {
  publicUrl: 'https://network.example', code: 'TCABC123XYZ0', postbackSecret: 'sec_ret-1', campaignId: 'cmp_spring',
  currency: 'EUR', cookieWindowDays: 30, attribution: 'last_click',
}

describe('tracking code snippets', () => {
  it('builds the tracker tag with the queue stub, and the thank-you call', () => {
    expect(snippets.scriptTag(input)).toBe(
      '<script>window.nw=window.nw||function(){(nw.q=nw.q||[]).push(arguments)}</script>\n'
      + '<script async src="https://network.example/t.js" data-code="TCABC123XYZ0"></script>',
    )
    expect(snippets.conversionCall(input)).toBe("<script>nw('conversion', { orderId: 'ORDER_ID', amount: '19.95', currency: 'EUR' })</script>")
  })

  it('carries the campaign\'s cookie window into the tag, and no model: the network applies it', () => {
    expect(snippets.scriptTag({ ...input, cookieWindowDays: 7, attribution: 'first_click' })).toBe(
      '<script>window.nw=window.nw||function(){(nw.q=nw.q||[]).push(arguments)}</script>\n'
      + '<script async src="https://network.example/t.js" data-code="TCABC123XYZ0" data-window="7"></script>',
    )
  })

  it('builds the image pixel and the form', () => {
    expect(snippets.pixel(input)).toBe('<img src="https://network.example/px?t=TCABC123XYZ0&amp;amount=19.95&amp;id=ORDER_ID" width="1" height="1" alt="">')
    expect(snippets.form(input)).toBe([
      '<form method="POST" action="https://network.example/conv">',
      '  <input type="hidden" name="t" value="TCABC123XYZ0">',
      '  <input type="hidden" name="amount" value="19.95">',
      '  <input type="hidden" name="id" value="ORDER_ID">',
      '  <button type="submit">Confirm order</button>',
      '</form>',
    ].join('\n'))
  })

  it('builds the postback URLs, with the token or an HMAC signature explained', () => {
    expect(snippets.postbackUrl(input)).toBe(
      'https://network.example/postback?t=TCABC123XYZ0&nclid={click_id}&id={order_id}&amount={amount}&currency={currency}&token=sec_ret-1',
    )
    expect(snippets.postbackSignedUrl(input)).toBe(
      'https://network.example/postback?t=TCABC123XYZ0&nclid={click_id}&id={order_id}&amount={amount}&currency={currency}&ts={unix_time}&signature={signature}',
    )
    expect(snippets.postbackSignature(input)).toBe([
      'signature = hex HMAC-SHA256(secret, "t|id|amount|currency|nclid|ts"): the values of those parameters joined by "|",',
      'keyed with this tracking code\'s postback secret; ts is the current Unix time in seconds (accepted within 5 minutes).',
      'With the signature the secret never travels. In Node:',
      "  createHmac('sha256', secret).update(['TCABC123XYZ0', orderId, amount, currency, clickId, ts].join('|')).digest('hex')",
    ].join('\n'))
  })

  // What each call does is proven by running it (snippetsRun.test.ts: curl, Node, PHP and Python against a real
  // network); here, what a run cannot see.
  it('builds server calls to POST /api/v1/conversions in cURL, Node, PHP and Python: the key from the environment, never in the text', () => {
    const calls = { curl: snippets.curl(input), node: snippets.node(input), php: snippets.php(input), python: snippets.python(input) }
    for (const [name, code] of Object.entries(calls)) {
      expect(code, name).toContain("https://network.example/api/v1/conversions")
      expect(code, name).toMatch(/campaignId\W+cmp_spring/)
      expect(code, name).toMatch(/amount\W+19\.95/)
      expect(code, name).toContain('NETWORK_API_KEY')
      expect(code, name).not.toMatch(/nw_[\w-]{8,}/)
      // Where the click id comes from, said where it is filled in.
      expect(code, name).toContain('the _nclid cookie the tracker keeps on your domain (or the nclid parameter of the landing URL)')
    }
    // A refused call is not silent (Python's urlopen raises on its own), and none waits for ever.
    expect(calls.node).toContain('if (!response.ok) throw')
    expect(calls.php).toContain('error_log(')
    expect(calls.php).toContain('CURLOPT_TIMEOUT => 5')
    expect(calls.python).toContain('timeout=5')
  })

  it('uses an example amount valid in the campaign currency', () => {
    expect(snippets.exampleAmount('EUR')).toBe('19.95')
    expect(snippets.exampleAmount('JPY')).toBe('1995')
    expect(snippets.exampleAmount('BHD')).toBe('19.950')
    expect(snippets.pixel({ ...input, currency: 'JPY' })).toContain('amount=1995&amp;')
    expect(snippets.conversionCall({ ...input, currency: 'JPY' })).toBe("<script>nw('conversion', { orderId: 'ORDER_ID', amount: '1995', currency: 'JPY' })</script>")
  })

  it('collects every snippet for a tracking code', () => {
    const all = snippets.trackingSnippets(input)
    expect(all).toEqual({
      scriptTag: snippets.scriptTag(input), conversionCall: snippets.conversionCall(input), pixel: snippets.pixel(input), form: snippets.form(input),
      postbackUrl: snippets.postbackUrl(input), postbackSignedUrl: snippets.postbackSignedUrl(input), postbackSignature: snippets.postbackSignature(input),
      curl: snippets.curl(input), node: snippets.node(input), php: snippets.php(input), python: snippets.python(input),
    })
  })
})
