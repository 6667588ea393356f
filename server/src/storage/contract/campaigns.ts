// Campaigns and their commission rules.

/** A sale commission: a share of the amount in basis points (1 % = 100), or a fixed amount. */
export type SaleRule = { kind: 'percent'; basisPoints: number } | { kind: 'fixed'; amount: number }
/** A lead commission is always a fixed amount. */
export type LeadRule = { kind: 'fixed'; amount: number }
export type AttributionModel = 'last_click' | 'first_click'
export type CampaignStatus = 'active' | 'paused'

export interface Campaign {
  id: string
  advertiserId: string
  name: string
  /** Shown to buyers in offer emails. */
  description: string
  status: CampaignStatus
  /** ISO 4217 currency of fixed commissions. */
  currency: string
  /** The only URLs a click may be redirected to; the first is the default. */
  landingUrls: string[]
  cookieWindowDays: number
  holdDays: number
  attribution: AttributionModel
  saleRule: SaleRule | null
  leadRule: LeadRule | null
  /**
   * First-party mode: the path of the landing site that the shop proxies to the network (e.g. `/_nw`). Set, a
   * click goes through it (the handshake at `/r`) so the network's cookie is set on the shop's own domain.
   */
  firstPartyPath: string | null
  createdAt: Date
}
export type NewCampaign = Omit<Campaign, 'createdAt' | 'firstPartyPath'> & { firstPartyPath?: string | null }
export type CampaignPatch = Partial<Omit<Campaign, 'id' | 'advertiserId' | 'createdAt'>>

export interface CampaignRepository {
  create(campaign: NewCampaign): Promise<Campaign>
  get(id: string): Promise<Campaign | null>
  listByAdvertiser(advertiserId: string): Promise<Campaign[]>
  listActive(): Promise<Campaign[]>
  update(id: string, patch: CampaignPatch): Promise<Campaign | null>
}
