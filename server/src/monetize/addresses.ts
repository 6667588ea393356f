// Buyers' addresses are never kept where a hash will do: suppressions and lead keys hold a keyed hash of the
// lower-cased address; unsubscribe links carry a keyed token of their message.
import { createHmac } from 'node:crypto'

export const addressHash = (secret: string, address: string) => createHmac('sha256', secret).update(`address:${address.toLowerCase()}`).digest('base64url')

export const unsubscribeToken = (secret: string, messageId: string) => createHmac('sha256', secret).update(`unsubscribe:${messageId}`).digest('base64url').slice(0, 32)
