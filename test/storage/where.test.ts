// The postgres driver's one WHERE builder (server/src/storage/postgres/where.ts): conditions and their values, numbered in order.
import { describe, expect, it } from 'vitest'
import { where } from '../../server/src/storage/postgres/where.js'

describe('postgres where()', () => {
  it('gives no clause without conditions, and numbers parameters outside them too', () => {
    const w = where()
    expect(w.clause).toBe('')
    expect(w.param(100)).toBe('$1')
    expect(w.params).toEqual([100])
  })

  it('joins conditions with AND and numbers each ? after the parameters given first', () => {
    const from = new Date(0)
    const w = where('fixed').and('account_id = ?', 'acc_1').and('at >= ? AND at < ?', from, from)
    expect(w.param(10)).toBe('$5')
    expect(w.clause).toBe('WHERE account_id = $2 AND at >= $3 AND at < $4')
    expect(w.params).toEqual(['fixed', 'acc_1', from, from, 10])
  })

  it('refuses a condition whose placeholders and values do not match', () => {
    expect(() => where().and('a = ? AND b = ?', 1)).toThrow(/2 placeholders but 1 values/)
  })
})
