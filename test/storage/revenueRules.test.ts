// The revenue repositories' driver-independent rules (server/src/storage/revenueRules.ts), without a store.
import { describe, expect, it } from 'vitest'
import { pageEndIndex, pageLast, providerIdForms } from '../../server/src/storage/revenueRules.js'

describe('revenue rules', () => {
  it('looks a provider id up bare and in angle brackets, however it was given', () => {
    expect(providerIdForms('abc@mg.example')).toEqual(['abc@mg.example', '<abc@mg.example>'])
    expect(providerIdForms(' <abc@mg.example> ')).toEqual(['abc@mg.example', '<abc@mg.example>'])
  })

  it('ends a page at its limit-th order, a page holding at least one', () => {
    expect(pageEndIndex(100)).toBe(99)
    expect(pageEndIndex(1)).toBe(0)
    expect(pageEndIndex(0)).toBe(0)
  })

  it('resumes after the latest order of a page, in whatever order its orders came', () => {
    expect(pageLast([])).toBeNull()
    expect(pageLast([new Date(5), new Date(9), new Date(7)])).toEqual(new Date(9))
  })
})
