// Which offers a buyer gets after ordering at a shop: active campaigns of OTHER advertisers, best expected
// earnings for the shop first.
//
// Expected earnings per email = the lead commission (paid on the buyer's first click) + the sale commission
// on a basket like this buyer's (percentage rules on the order total, fixed rules as they are), weighted by
// an assumed 2 % purchase rate after the click. Amounts are compared in minor units as they are (no FX).
import type { Campaign, Order } from '../storage/types.js'
import { percentOf } from '../conversions/commission.js'

const assumedPurchaseRate = 0.02

export function expectedEarnings(campaign: Campaign, order: Pick<Order, 'total'>): number {
  const lead = campaign.leadRule?.amount ?? 0
  const sale = !campaign.saleRule ? 0 : campaign.saleRule.kind === 'fixed' ? campaign.saleRule.amount : percentOf(order.total, campaign.saleRule.basisPoints)
  return lead + sale * assumedPurchaseRate
}

export function chooseOffers(campaigns: Campaign[], shopId: string, order: Pick<Order, 'total'>, count: number): Campaign[] {
  return campaigns
    .filter((c) => c.status === 'active' && c.advertiserId !== shopId && (c.leadRule || c.saleRule) && c.landingUrls.length > 0)
    .map((campaign) => ({ campaign, score: expectedEarnings(campaign, order) }))
    .sort((a, b) => b.score - a.score || a.campaign.createdAt.getTime() - b.campaign.createdAt.getTime())
    .slice(0, count)
    .map((x) => x.campaign)
}
