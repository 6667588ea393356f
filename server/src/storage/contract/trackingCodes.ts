// Advertisers' tracking codes (pixels, forms, the script tag, postbacks).

export type TrackingMethod = 'GET' | 'POST'
export interface TrackingCode {
  id: string
  /** The public code advertisers paste (t=… in pixels, forms and the script tag). */
  code: string
  advertiserId: string
  campaignId: string
  name: string
  method: TrackingMethod
  /** Where a POST form conversion is redirected (the thank-you page). */
  redirectUrl: string | null
  /** Shared secret for server-to-server postbacks (token or HMAC key). */
  postbackSecret: string
  status: 'active' | 'paused'
  createdAt: Date
}
export type NewTrackingCode = Omit<TrackingCode, 'createdAt'>
export type TrackingCodePatch = Partial<Pick<TrackingCode, 'name' | 'method' | 'redirectUrl' | 'status' | 'postbackSecret'>>

export interface TrackingCodeRepository {
  create(code: NewTrackingCode): Promise<TrackingCode>
  get(id: string): Promise<TrackingCode | null>
  getByCode(code: string): Promise<TrackingCode | null>
  listByAdvertiser(advertiserId: string): Promise<TrackingCode[]>
  /** Sets the fields given; one given as undefined is left as it is (as for every update of this contract). */
  update(id: string, patch: TrackingCodePatch): Promise<TrackingCode | null>
}
