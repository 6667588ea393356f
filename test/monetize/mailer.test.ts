// The mailers on their own: the real mailgun.js client against the fake Mailgun API (what it sends, how each
// answer is classified for retries), the local outbox (what it keeps), and which one a configuration picks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/src/config.js'
import { newId } from '../../server/src/ids.js'
import { createMailer, mailgunMailer, outboxMailer, SendError, sendErrorOf, type Email } from '../../server/src/monetize/mailer.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { startFakeMailgun, type FakeMailgun } from '../support/fakeMailgun.js'
import { memoryStore } from '../support/stores.js'

let mailgun: FakeMailgun
let storage: PostgresStorage

beforeAll(async () => {
  mailgun = await startFakeMailgun()
  storage = await memoryStore()
})
afterAll(async () => {
  await mailgun?.close()
  await storage?.close()
})

const email = (patch: Partial<Email> = {}): Email => ({
  messageId: newId('msg'), from: '"Corner Shop" <offers@mg.example>', to: 'buyer@example.com', replyTo: 'shop@corner.example',
  subject: 'Thanks', html: '<p>Offers</p>', text: 'Offers', tags: ['offer-email', 'shop-acc_1'],
  variables: { order: 'A-1', message: 'msg_1' }, unsubscribeUrl: 'https://net.example/unsubscribe?m=1&s=2', ...patch,
})

async function failure(send: Promise<unknown>): Promise<SendError> {
  const error = await send.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(SendError)
  return error as SendError
}

describe('mailgunMailer', () => {
  it('sends every part of the email to Mailgun’s messages API for the domain, with the key, and returns Mailgun’s id', async () => {
    const mailer = mailgunMailer('key-123', 'mg.example', mailgun.url)
    expect(mailer).toMatchObject({ name: 'mailgun', fromAddress: 'offers@mg.example' })
    const before = mailgun.messages.length
    const { providerId } = await mailer.send(email())
    const received = mailgun.messages[before]!
    expect(received.domain).toBe('mg.example')
    expect(received.authorization).toBe(`Basic ${Buffer.from('api:key-123').toString('base64')}`)
    expect(received.fields).toMatchObject({
      from: ['"Corner Shop" <offers@mg.example>'], to: ['buyer@example.com'], subject: ['Thanks'], html: ['<p>Offers</p>'], text: ['Offers'],
      'o:tag': ['offer-email', 'shop-acc_1'], 'h:Reply-To': ['shop@corner.example'],
      'h:List-Unsubscribe': ['<https://net.example/unsubscribe?m=1&s=2>'], 'h:List-Unsubscribe-Post': ['List-Unsubscribe=One-Click'],
      'v:order': ['A-1'], 'v:message': ['msg_1'],
    })
    expect(providerId).toMatch(/^<\d+\.\d+@mg\.example>$/)
  })

  it('calls 408, 429 and 5xx transient (worth retrying), any other 4xx permanent, each with its status', async () => {
    const mailer = mailgunMailer('key-123', 'mg.example', mailgun.url)
    for (const [status, transient] of [[400, false], [401, false], [403, false], [404, false], [408, true], [429, true], [500, true], [502, true], [503, true]] as const) {
      mailgun.failNext(status)
      const error = await failure(mailer.send(email()))
      expect({ status: error.status, transient: error.transient }).toEqual({ status, transient })
      // The status, its text, and what Mailgun said.
      expect(error.message).toMatch(new RegExp(`^mailgun: ${status} \\S.*: scripted ${status}$`))
    }
  })

  it('calls no answer at all (a refused connection, a timeout) transient, without a status', async () => {
    const closed = await startFakeMailgun()
    const url = closed.url
    await closed.close()
    const refused = await failure(mailgunMailer('key-123', 'mg.example', url).send(email()))
    expect(refused).toMatchObject({ transient: true, status: undefined, message: 'mailgun: no response (ERR_NETWORK: Network Error)' })

    const held = mailgun.holdNext()
    const slow = failure(mailgunMailer('key-123', 'mg.example', mailgun.url, 300).send(email()))
    await held.received
    const timedOut = await slow
    held.release()
    expect(timedOut).toMatchObject({ transient: true, status: undefined, message: 'mailgun: no response (ETIMEDOUT: timeout of 300ms exceeded)' })
  })

  it('reads mailgun.js’s error shapes: a code is no answer, a status with its text and details is an answer', () => {
    const of = (status: unknown, message: unknown, details?: unknown) => {
      const e = sendErrorOf({ status, message, details })
      return [e.status, e.transient, e.message]
    }
    expect(of(400, 'ECONNRESET', 'socket hang up')).toEqual([undefined, true, 'mailgun: no response (ECONNRESET: socket hang up)'])
    expect(of(400, 'ECONNABORTED')).toEqual([undefined, true, 'mailgun: no response (ECONNABORTED)'])
    expect(of(400, 'ERR_CANCELED', 'canceled')).toEqual([undefined, true, 'mailgun: no response (ERR_CANCELED: canceled)'])
    expect(of(undefined, 'boom')).toEqual([undefined, true, 'mailgun: no response (boom)'])
    expect(of(0, '')).toEqual([undefined, true, 'mailgun: no response'])
    // An answer whose status text was empty carries the client's ERR_BAD_* code: still an answer.
    expect(of(400, 'ERR_BAD_REQUEST', 'to parameter is not a valid address')).toEqual([400, false, 'mailgun: 400 ERR_BAD_REQUEST: to parameter is not a valid address'])
    expect(of(502, 'ERR_BAD_RESPONSE')).toEqual([502, true, 'mailgun: 502 ERR_BAD_RESPONSE'])
    expect(of(400, 'Bad Request', 'Bad Request')).toEqual([400, false, 'mailgun: 400 Bad Request'])
    expect(of(499, 'Client Closed')).toEqual([499, false, 'mailgun: 499 Client Closed'])
    expect(of(500, undefined, { message: 'x' })).toEqual([500, true, 'mailgun: 500'])
    expect(sendErrorOf(null)).toMatchObject({ transient: true, message: 'mailgun: no response' })
  })
})

describe('outboxMailer', () => {
  it('keeps the email with its headers in the outbox and returns the outbox id', async () => {
    const mailer = outboxMailer(storage, 'offers@net.example')
    expect(mailer).toMatchObject({ name: 'outbox', fromAddress: 'offers@net.example' })
    const sent = email()
    const { providerId } = await mailer.send(sent)
    expect(providerId).toMatch(/^out_/)
    expect(await storage.outbox.get(providerId)).toMatchObject({
      id: providerId, messageId: sent.messageId, from: sent.from, to: sent.to, subject: 'Thanks', html: '<p>Offers</p>', text: 'Offers',
      headers: { 'Reply-To': 'shop@corner.example', 'List-Unsubscribe': '<https://net.example/unsubscribe?m=1&s=2>', 'X-Tags': 'offer-email, shop-acc_1' },
    })
  })
})

describe('createMailer', () => {
  it('sends through Mailgun with a key and a domain, and keeps emails in the outbox, from the network’s host, otherwise', async () => {
    const withKey = createMailer(loadConfig({ MAILGUN_API_KEY: 'key-123', MAILGUN_DOMAIN: 'mg.example', MAILGUN_URL: mailgun.url }), storage)
    expect(withKey).toMatchObject({ name: 'mailgun', fromAddress: 'offers@mg.example' })
    await withKey.send(email())
    const domainOnly = loadConfig({ MAILGUN_DOMAIN: 'mg.example', PUBLIC_URL: 'https://net.example:8443/base' })
    expect(createMailer(domainOnly, storage)).toMatchObject({ name: 'outbox', fromAddress: 'offers@net.example' })
    // A key without a domain is refused by the configuration; were it given, the outbox would still be used.
    expect(createMailer({ ...domainOnly, MAILGUN_API_KEY: 'key-123', MAILGUN_DOMAIN: undefined }, storage).name).toBe('outbox')
  })
})
