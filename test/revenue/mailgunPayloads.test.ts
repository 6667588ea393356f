// Mailgun payloads read to the letter (revenue/mailgun.ts): which signature blocks and events are taken, each
// field's bounds, the time in seconds, the Message-Id without its brackets; and the settings' fixed lists.
import { describe, expect, it } from 'vitest'
import { eventOf, signatureOf } from '../../server/src/revenue/mailgun.js'
import { linkingEvents, settingsPatch, windowUnits } from '../../server/src/revenue/settings.js'

const signature = { timestamp: '1700000000', token: 't'.repeat(50), signature: 'ab12' }
const event = { id: 'ev1', event: 'delivered', timestamp: 1700000000 }

describe('signatureOf', () => {
  it('takes the signature block of an object body, the timestamp as 1 to 15 digits', () => {
    expect(signatureOf({ signature })).toEqual(signature)
    for (const body of [null, 'text', [signature], { signature: [signature] }, { signature: null }, { signature: 'x' }]) expect(signatureOf(body)).toBeNull()
    for (const timestamp of ['', '17000x', 'x1700', ' 1700', '1700 ', '1'.repeat(16), -5, 1.5]) expect(signatureOf({ signature: { ...signature, timestamp } })).toBeNull()
    expect(signatureOf({ signature: { ...signature, timestamp: '1'.repeat(15) } })?.timestamp).toBe('1'.repeat(15))
    expect(signatureOf({ signature: { ...signature, timestamp: 7 } })?.timestamp).toBe('7')
  })

  it('bounds the token and the signature to 1–200 characters of text', () => {
    for (const token of ['', 'x'.repeat(201), 5, null]) expect(signatureOf({ signature: { ...signature, token } })).toBeNull()
    for (const sig of ['', 'x'.repeat(201), ['ab']]) expect(signatureOf({ signature: { ...signature, signature: sig } })).toBeNull()
    expect(signatureOf({ signature: { ...signature, token: 'x'.repeat(200), signature: 'y'.repeat(200) } })).not.toBeNull()
    expect(signatureOf({ signature: { ...signature, token: 'x' } })?.token).toBe('x')
  })
})

describe('eventOf', () => {
  it('takes the event-data block of an object body', () => {
    expect(eventOf({ 'event-data': event })).toMatchObject({ id: 'ev1', event: 'delivered', at: new Date(1700000000_000) })
    for (const body of [null, 'x', [event], { 'event-data': [event] }, { 'event-data': null }, { 'event-data': 'x' }]) expect(eventOf(body)).toBeNull()
  })

  it('reads the time in seconds, as a number or a numeric string, and refuses anything else', () => {
    expect(eventOf({ 'event-data': { ...event, timestamp: '1700000000.5' } })?.at).toEqual(new Date(1700000000_500))
    for (const timestamp of ['soon', '', null, [1700000000], { s: 1 }, 0, -1, Number.POSITIVE_INFINITY]) {
      expect(eventOf({ 'event-data': { ...event, timestamp } })).toBeNull()
    }
  })

  it('bounds each field: the id to 200 characters, the event to 50, the variable to 100, the address to 254, the severity to 20', () => {
    const read = (patch: Record<string, unknown>) => eventOf({ 'event-data': { ...event, ...patch } })
    expect(read({ id: 'i'.repeat(200) })?.id).toHaveLength(200)
    expect(read({ id: 'i'.repeat(201) })).toBeNull()
    expect(read({ event: 'e'.repeat(50) })?.event).toHaveLength(50)
    expect(read({ event: 'e'.repeat(51) })).toBeNull()
    expect(read({ 'user-variables': { message: 'm'.repeat(100) } })?.messageId).toHaveLength(100)
    expect(read({ 'user-variables': { message: 'm'.repeat(101) } })?.messageId).toBeNull()
    expect(read({ 'user-variables': ['msg_1'] })?.messageId).toBeNull()
    expect(read({ recipient: `${'a'.repeat(242)}@example.com` })?.recipient).toHaveLength(254)
    expect(read({ recipient: `${'a'.repeat(243)}@example.com` })?.recipient).toBeNull()
    expect(read({ recipient: '' })?.recipient).toBeNull()
    expect(read({ severity: 's'.repeat(20) })?.severity).toHaveLength(20)
    expect(read({ severity: 's'.repeat(21) })?.severity).toBeNull()
    const id = (value: unknown) => read({ message: { headers: { 'message-id': value } } })?.providerMessageId
    expect(id(`<${'x'.repeat(498)}>`)).toHaveLength(498)
    expect(id(`<${'x'.repeat(499)}>`)).toBeNull()
  })

  it('takes Mailgun’s Message-Id trimmed and without its angle brackets, and only a whole bracketed one', () => {
    const id = (value: unknown, headers: unknown = { 'message-id': value }) => eventOf({ 'event-data': { ...event, message: { headers } } })?.providerMessageId
    expect(id(' <a.b@mg.example> ')).toBe('a.b@mg.example')
    expect(id('a.b@mg.example')).toBe('a.b@mg.example')
    expect(id('<a.b@mg.example')).toBe('<a.b@mg.example')
    expect(id('a.b@mg.example>')).toBe('a.b@mg.example>')
    expect(id(undefined, ['<a@b>'])).toBeNull()
    expect(eventOf({ 'event-data': { ...event, message: '<a@b>' } })?.providerMessageId).toBeNull()
  })
})

describe('revenue settings’ fixed lists', () => {
  it('names the linking events and window units the API and the forms offer, and refuses others and unsafe tags', () => {
    expect(linkingEvents).toEqual(['sent', 'delivered', 'opened', 'clicked'])
    expect(windowUnits).toEqual(['hours', 'days', 'weeks'])
    for (const event of linkingEvents) expect(settingsPatch.safeParse({ channels: { email: { event } } }).success).toBe(true)
    expect(settingsPatch.safeParse({ channels: { email: { event: 'bounced' } } }).success).toBe(false)
    const tags = settingsPatch.safeParse({ excludedTags: ['ok', 'bad\u0007tag'] })
    expect(tags.success).toBe(false)
    expect(tags.error?.issues[0]).toMatchObject({ path: ['excludedTags', 1], message: 'must not contain control characters' })
    expect(settingsPatch.parse({ excludedTags: ['  newsletter  '] }).excludedTags).toEqual(['newsletter'])
    for (const tag of ['', '   ', 't'.repeat(101), 5]) expect(settingsPatch.safeParse({ excludedTags: [tag] }).success).toBe(false)
    expect(settingsPatch.safeParse({ excludedTags: ['t'.repeat(100)] }).success).toBe(true)
  })
})
