import { describe, expect, it } from 'vitest'
import { AppError } from '../../server/src/errors.js'
import { formatAmount, parseAmount, parseCurrency } from '../../server/src/money.js'

describe('money', () => {
  it.each([
    ['19.95', 'EUR', 1995], ['20', 'EUR', 2000], ['0.1', 'EUR', 10], ['19.950', 'EUR', 1995], [19.95, 'EUR', 1995],
    [0.29, 'USD', 29], ['1500', 'JPY', 1500], ['1.234', 'BHD', 1234], ['0', 'EUR', 0], ['9999999999.99', 'EUR', 999_999_999_999],
  ])('parses %s %s into %i minor units exactly', (input, currency, minor) => {
    expect(parseAmount(input, currency)).toBe(minor)
  })
  it.each([['-1'], ['abc'], ['19,95'], ['1e3'], [''], ['19.999'], ['10000000000'], [Number.NaN], [Infinity], [null], ['1.5.2'], [' ']])(
    'refuses %s with a 400 naming the field', (input) => {
      const error = (() => { try { parseAmount(input, 'EUR') } catch (e) { return e } })() as AppError
      expect(error).toBeInstanceOf(AppError)
      expect(error).toMatchObject({ status: 400, code: 'bad_amount', field: 'amount' })
    })
  it('refuses decimals a currency does not have', () => {
    expect(() => parseAmount('100.5', 'JPY')).toThrow(/more than 0 decimal places for JPY/)
  })
  it('checks ISO 4217 currency codes', () => {
    expect(parseCurrency('eur')).toBe('EUR')
    for (const bad of ['EURO', 'XXY', '', 42, undefined]) {
      expect(() => parseCurrency(bad)).toThrow(expect.objectContaining({ code: 'bad_currency', field: 'currency' }))
    }
  })
  it('formats minor units back to decimals', () => {
    expect(formatAmount(1995, 'EUR')).toBe('19.95')
    expect(formatAmount(5, 'EUR')).toBe('0.05')
    expect(formatAmount(-250, 'USD')).toBe('-2.50')
    expect(formatAmount(1500, 'JPY')).toBe('1500')
  })
})
