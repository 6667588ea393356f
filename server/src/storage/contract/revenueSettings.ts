// Revenue from campaigns (F7): an account's settings (linking events and windows per channel).
import type { LinkingEvent } from './messageEvents.js'
import type { Channel } from './messages.js'

export type WindowUnit = 'hours' | 'days' | 'weeks'
/** Per channel: a purchase within `window` `unit` after this event of a message is a sale of that message. */
export interface ChannelRule {
  event: LinkingEvent
  window: number
  unit: WindowUnit
}
export type ChannelRules = Record<Channel, ChannelRule>

export interface RevenueSettings {
  accountId: string
  channels: ChannelRules
  /** Only orders in this ISO 4217 currency count. */
  currency: string
  /** Messages carrying any of these tags are listed in reports but earn no revenue. */
  excludedTags: string[]
  /**
   * 1 for the first settings, + 1 at every change of `channels` (versions only grow); attributions remember the
   * version they were made under. Currency and excluded tags apply when reporting and leave it as it is.
   */
  version: number
  updatedAt: Date
}
export type NewRevenueSettings = Omit<RevenueSettings, 'version' | 'updatedAt'>

export interface RevenueSettingsRepository {
  get(accountId: string): Promise<RevenueSettings | null>
  /** Creates or replaces the account's settings; the version grows when the channel rules changed. */
  put(settings: NewRevenueSettings): Promise<RevenueSettings>
}
