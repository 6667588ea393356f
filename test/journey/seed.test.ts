// The demo data the journey stands on: both advertisers, the form tracking code, the publisher's links, and
// the demo sites' URLs following them when their ports change between two starts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { startTestNetwork } from '../support/network.js'
import { clickLink } from '../support/fixtures.js'

const browserAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'

it('seeds the demo journey once, and follows the demo sites to new ports on the next start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'network-demo-seed-'))
  try {
    const first = await startTestNetwork({ SEED_DEMO: 'true', DEMO_SHOP_PORT: '5101', DEMO_GARDEN_PORT: '5102' }, dir)
    try {
      const { storage } = first
      expect(await storage.trackingCodes.getByCode('TCDEMOFORM')).toMatchObject({
        advertiserId: 'acc_demo_advertiser', campaignId: 'cmp_demo_shop', method: 'POST', redirectUrl: 'http://127.0.0.1:5101/thank-you', status: 'active',
      })
      expect(await storage.campaigns.get('cmp_demo_garden')).toMatchObject({
        advertiserId: 'acc_demo_garden', status: 'active', landingUrls: ['http://127.0.0.1:5102/'], holdDays: 0,
        saleRule: { kind: 'percent', basisPoints: 800 }, leadRule: { kind: 'fixed', amount: 100 },
      })
      expect(await storage.links.getByCode('demo-garden-link')).toMatchObject({ publisherId: 'acc_demo_publisher', campaignId: 'cmp_demo_garden' })
      expect(first.demo?.accounts.map((a) => a.role)).toEqual(['advertiser', 'publisher', 'admin', 'garden'])
    } finally {
      await first.stop()
    }

    const second = await startTestNetwork({ SEED_DEMO: 'true', DEMO_SHOP_PORT: '6101', DEMO_GARDEN_PORT: '6102' }, dir)
    try {
      const { storage } = second
      expect((await storage.campaigns.get('cmp_demo_shop'))?.landingUrls).toEqual(['http://127.0.0.1:6101/'])
      expect((await storage.campaigns.get('cmp_demo_garden'))?.landingUrls).toEqual(['http://127.0.0.1:6102/'])
      for (const [code, url] of [['TCDEMOSHOP', 'http://127.0.0.1:6101/thank-you'], ['TCDEMOFORM', 'http://127.0.0.1:6101/thank-you'], ['TCDEMOGARDEN', 'http://127.0.0.1:6102/thank-you']]) {
        expect((await storage.trackingCodes.getByCode(code!))?.redirectUrl).toBe(url)
      }
      // The links keep their first landing URL, which is no longer registered: clicks go to the campaign's.
      const shopClick = await clickLink(second.url, 'demo-link', { userAgent: browserAgent })
      expect(shopClick.location).toMatch(/^http:\/\/127\.0\.0\.1:6101\/\?nclid=/)
      const gardenClick = await clickLink(second.url, 'demo-garden-link', { userAgent: browserAgent })
      expect(gardenClick.location).toMatch(/^http:\/\/127\.0\.0\.1:6102\/\?nclid=/)
      expect((await storage.accounts.list()).filter((a) => a.id.startsWith('acc_demo'))).toHaveLength(4)
    } finally {
      await second.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
