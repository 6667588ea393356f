// Publishers' links to a campaign (/c/:code).

export type LinkStatus = 'active' | 'paused'
export interface Link {
  id: string
  /** The public code in /c/:code. */
  code: string
  campaignId: string
  advertiserId: string
  publisherId: string
  /** One of the campaign's landing URLs. */
  landingUrl: string
  status: LinkStatus
  createdAt: Date
}
export type NewLink = Omit<Link, 'createdAt'>

export interface LinkRepository {
  create(link: NewLink): Promise<Link>
  get(id: string): Promise<Link | null>
  getByCode(code: string): Promise<Link | null>
  listByPublisher(publisherId: string): Promise<Link[]>
  listByCampaign(campaignId: string): Promise<Link[]>
  setStatus(id: string, status: LinkStatus): Promise<Link | null>
}
