export interface DemoShop {
  /** Demo Shop: the advertiser that also monetizes its orders. */
  url: string
  /** Demo Garden, the second advertiser (null when no gardenPort was given). */
  gardenUrl: string | null
  /** The demo publisher's blog (null when no blogPort was given). */
  blogUrl: string | null
  stop(): Promise<void>
}

export interface DemoShopOptions {
  port: number
  host: string
  networkUrl: string
  gardenPort?: number
  blogPort?: number
  /** The Demo Shop account's API key: with it, the shop notifies the network of each order (POST /api/v1/orders). */
  apiKey?: string | null
  /** Adds `data-allow-automation` to the tracker tag, so the tracker works under automation (end-to-end tests only). */
  allowAutomation?: boolean
  trackingCode?: string
  formTrackingCode?: string
  gardenTrackingCode?: string
  shopLinkCode?: string
  gardenLinkCode?: string
  /** Where the sites report problems (a refused order notification); console.warn by default. */
  log?: (message: string) => void
}

export function startDemoShop(options: DemoShopOptions): Promise<DemoShop>
