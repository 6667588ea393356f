// Revenue settings per account: for each channel, the event that links a message to a sale and the window;
// the order currency; the tags whose messages earn no revenue. Defaults, validation of a change, and the rule
// in words ("the sale formula").
import { z } from 'zod'
import { badRequest } from '../errors.js'
import { parseCurrency } from '../money.js'
import type { Channel, ChannelRule, ChannelRules, LinkingEvent, RevenueSettings, Storage, WindowUnit } from '../storage/types.js'

export const channels: readonly Channel[] = ['email', 'sms']
export const linkingEvents: readonly LinkingEvent[] = ['sent', 'delivered', 'opened', 'clicked']
export const windowUnits: readonly WindowUnit[] = ['hours', 'days', 'weeks']

/**
 * A click is the signal that survives image blocking and privacy proxies (opens do not), and a day is how
 * long the seed's own example gives a buyer: "a purchase within 24 hours after the transition".
 */
const defaultRule: ChannelRule = { event: 'clicked', window: 24, unit: 'hours' }
export const defaultRules: ChannelRules = { email: defaultRule, sms: defaultRule }
const defaultCurrency = 'EUR'
/** The longest window: 90 days (a buyer is not "brought" by a message from last season). */
const maxWindowHours = 90 * 24
const hoursPer: Record<WindowUnit, number> = { hours: 1, days: 24, weeks: 168 }
const windowHours = (rule: Pick<ChannelRule, 'window' | 'unit'>) => rule.window * hoursPer[rule.unit]

/** The settings in force: the stored ones, or the defaults (version 0) with the currency of the first campaign. */
export async function effectiveSettings(storage: Storage, accountId: string): Promise<RevenueSettings & { stored: boolean }> {
  const stored = await storage.revenueSettings.get(accountId)
  if (stored) return { ...stored, channels: { ...defaultRules, ...stored.channels }, stored: true }
  const campaigns = await storage.campaigns.listByAdvertiser(accountId)
  return {
    accountId, channels: defaultRules, currency: campaigns[0]?.currency ?? defaultCurrency, excludedTags: [], version: 0,
    updatedAt: new Date(0), stored: false,
  }
}

const controls = /[\u0000-\u001f\u007f]/
const tag = z.string().trim().min(1).max(100).refine((v) => !controls.test(v), { message: 'must not contain control characters' })
const rulePatch = z.strictObject({
  event: z.enum(['sent', 'delivered', 'opened', 'clicked']).optional(),
  window: z.number().int().min(1).optional(),
  unit: z.enum(['hours', 'days', 'weeks']).optional(),
})
export const settingsPatch = z.strictObject({
  channels: z.strictObject({ email: rulePatch.optional(), sms: rulePatch.optional() } satisfies Record<Channel, unknown>).optional(),
  currency: z.string().optional(),
  excludedTags: z.array(tag).max(50).optional(),
})
export type SettingsPatch = z.output<typeof settingsPatch>

/** Applies a validated patch to the settings in force; the result is what will be stored. */
export function applyPatch(current: RevenueSettings, patch: SettingsPatch): Pick<RevenueSettings, 'channels' | 'currency' | 'excludedTags'> {
  const next = { ...current.channels }
  for (const channel of channels) {
    const change = patch.channels?.[channel]
    // (Only a saved step: a channel the patch leaves out would come out of the merge below unchanged.)
    if (!change) continue
    const rule = { ...next[channel], ...change }
    if (windowHours(rule) > maxWindowHours) {
      throw badRequest(`channels.${channel}.window`, `channels.${channel}.window must be at most 90 days (2160 hours, 90 days or 12 weeks)`)
    }
    next[channel] = rule
  }
  return {
    channels: next,
    currency: patch.currency === undefined ? current.currency : parseCurrency(patch.currency, 'currency'),
    excludedTags: patch.excludedTags === undefined ? current.excludedTags : [...new Set(patch.excludedTags)],
  }
}

const channelNoun: Record<Channel, string> = { email: 'email', sms: 'SMS' }

function eventWords(event: LinkingEvent, channel: Channel): string {
  const noun = channelNoun[channel]
  switch (event) {
    case 'clicked':
      return `a click on the ${noun}`
    case 'opened':
      return `the ${noun} was opened`
    case 'delivered':
      return `the ${noun} was delivered`
    case 'sent':
      return `the ${noun} was sent`
  }
}

function windowWords(rule: Pick<ChannelRule, 'window' | 'unit'>): string {
  return `${rule.window} ${rule.window === 1 ? rule.unit.slice(0, -1) : rule.unit}`
}

/** "A sale is a purchase within 24 hours after a click on the email." — one clause per channel. */
export function saleFormula(rules: ChannelRules, over: readonly Channel[] = ['email']): string {
  const clauses = over.map((channel) => `within ${windowWords(rules[channel])} after ${eventWords(rules[channel].event, channel)}`)
  return `A sale is a purchase ${clauses.join(', or ')}.`
}
