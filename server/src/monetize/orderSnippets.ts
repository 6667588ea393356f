// Ready-to-paste calls of the order API (F6) for shops that monetize their order confirmation: cURL, Node,
// PHP and Python on the shop's server, and the tracker's `order` call on the confirmation page. Plain text;
// whoever shows them escapes them.
import { exampleAmount, phpSendAndLog, scriptTag, type SnippetInput } from '../trackingCodes/snippets.js'

export interface OrderSnippets {
  curl: string
  node: string
  php: string
  python: string
  /** Only when the shop has a tracking code: the tag plus `nw('order', …)`. */
  browser: string | null
}

const note = 'Call it when the order is confirmed, not later in a batch: buyers open the offer email with their order confirmation.'

export function orderSnippets(publicUrl: string, currency: string, tracking: SnippetInput | null): OrderSnippets {
  const url = `${publicUrl}/api/v1/orders`
  const amount = exampleAmount(currency)
  const body = { orderId: 'ORDER_ID', amount, currency, email: 'buyer@example.com', name: 'Bob Buyer' }
  return {
    curl: [
      `# ${note}`,
      `curl -X POST '${url}' \\`,
      `  -H "Authorization: Bearer $NETWORK_API_KEY" \\`,
      `  -H 'Content-Type: application/json' \\`,
      `  -d '${JSON.stringify(body)}'`,
    ].join('\n'),
    node: [
      `// ${note}`,
      `// The network answers 202 at once and sends the email in the background: the buyer never waits.`,
      `const response = await fetch('${url}', {`,
      `  method: 'POST',`,
      `  headers: { Authorization: \`Bearer \${process.env.NETWORK_API_KEY}\`, 'Content-Type': 'application/json' },`,
      `  body: JSON.stringify({ orderId: order.id, amount: '${amount}', currency: '${currency}', email: order.email, name: order.name }),`,
      `  signal: AbortSignal.timeout(3000),`,
      `})`,
      `if (!response.ok) console.error('order notification failed', response.status, await response.text())`,
    ].join('\n'),
    php: [
      '<?php',
      `// ${note}`,
      '$payload = json_encode([',
      "    'orderId' => $order['id'],",
      `    'amount' => '${amount}',`,
      `    'currency' => '${currency}',`,
      "    'email' => $order['email'],",
      "    'name' => $order['name'],",
      ']);',
      `$ch = curl_init('${url}');`,
      'curl_setopt_array($ch, [',
      '    CURLOPT_POST => true,',
      '    CURLOPT_POSTFIELDS => $payload,',
      "    CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Authorization: Bearer ' . getenv('NETWORK_API_KEY')],",
      '    CURLOPT_RETURNTRANSFER => true,',
      '    CURLOPT_TIMEOUT => 3,',
      ']);',
      ...phpSendAndLog('order notification failed'),
    ].join('\n'),
    python: [
      'import json, os, urllib.request',
      '',
      `# ${note}`,
      `payload = {"orderId": order["id"], "amount": "${amount}", "currency": "${currency}", "email": order["email"], "name": order["name"]}`,
      'request = urllib.request.Request(',
      `    "${url}",`,
      '    data=json.dumps(payload).encode(),',
      '    headers={"Authorization": "Bearer " + os.environ["NETWORK_API_KEY"], "Content-Type": "application/json"},',
      '    method="POST",',
      ')',
      'with urllib.request.urlopen(request, timeout=3) as response:',
      '    print(response.status)',
    ].join('\n'),
    browser: tracking
      ? `${scriptTag(tracking)}\n<script>nw('order', { orderId: 'ORDER_ID', amount: '${amount}', currency: '${currency}', email: 'buyer@example.com', name: 'Bob Buyer' })</script>`
      : null,
  }
}
