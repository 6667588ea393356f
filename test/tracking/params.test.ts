import { describe, expect, it } from 'vitest'
import { conversionParams, trackingParams } from '../../server/src/tracking/params.js'

describe('conversion parameters', () => {
  it('reads our names', () => {
    expect(conversionParams({ t: 'TC1', id: '11001', amount: '19.95', currency: 'EUR', nclid: 'abc', type: 'lead' }))
      .toEqual({ code: 'TC1', orderId: '11001', amount: '19.95', currency: 'EUR', clickId: 'abc', type: 'lead' })
  })
  it("accepts Post Affiliate Pro's and iDevAffiliate's names so advertisers can migrate", () => {
    expect(conversionParams({ TotalCost: '39.95', OrderID: 'A-1', ProductID: 'mug', Currency: 'USD' }))
      .toEqual({ amount: '39.95', orderId: 'A-1', productId: 'mug', currency: 'USD' })
    expect(conversionParams({ idev_saleamt: '12.00', idev_ordernum: '77' })).toEqual({ amount: '12.00', orderId: '77' })
  })
  it('prefers our own name when both are sent, and ignores empty values', () => {
    expect(conversionParams({ amount: '1.00', TotalCost: '2.00', id: '', OrderID: 'X' })).toEqual({ amount: '1.00', orderId: 'X' })
  })
})

describe('tracking parameters from a query or a form body', () => {
  it("separates on '&', on ';' as seed 002's pixel writes, and on '&amp;' pasted from HTML", () => {
    expect(trackingParams('t=TC1&id=11001;amount=19.95')).toEqual({ t: 'TC1', id: '11001', amount: '19.95' })
    expect(trackingParams('t=TC1&amp;id=11001&amp;amount=19.95')).toEqual({ t: 'TC1', id: '11001', amount: '19.95' })
    expect(trackingParams('t=TC1&AMP;id=7')).toEqual({ t: 'TC1', id: '7' })
  })
  it('decodes values, keeps the first of repeated names, and keeps prototype names as plain keys', () => {
    expect(trackingParams('ref=https%3A%2F%2Fx.example%2Fa%2Fb&id=2024/0002&id=other')).toEqual({ ref: 'https://x.example/a/b', id: '2024/0002' })
    const params = trackingParams('__proto__=x&constructor=y')
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype)
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor'])
  })
})
