// Per-publisher overrides of a campaign's commission rules.
import type { LeadRule, SaleRule } from './campaigns.js'

/** A per-publisher override of a campaign's rules. */
export interface CommissionOverride {
  campaignId: string
  publisherId: string
  saleRule: SaleRule | null
  leadRule: LeadRule | null
}

export interface CommissionOverrideRepository {
  /** Creates or replaces the override for (campaign, publisher). */
  put(override: CommissionOverride): Promise<CommissionOverride>
  get(campaignId: string, publisherId: string): Promise<CommissionOverride | null>
  listByCampaign(campaignId: string): Promise<CommissionOverride[]>
  remove(campaignId: string, publisherId: string): Promise<boolean>
}
