// Which clicks are bots': the maintained isbot list plus our additions. Real browsers are never bots; the
// non-browser clients an advertiser's traffic really contains are.
import { describe, expect, it } from 'vitest'
import { isBot } from '../../server/src/tracking/visitor.js'

const bots = [
  'python-httpx/0.27.0', 'Python/3.11 aiohttp/3.9.1', 'PostmanRuntime/7.36.0', 'Mozilla/5.0 (compatible; GoogleOther)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Cypress/13.6.0 Chrome/118.0.5993.117 Electron/27.0.3 Safari/537.36',
  'Prerender (+https://github.com/prerender/prerender)', 'curl/8.5.0', 'Wget/1.21.3', 'python-requests/2.31.0', 'Go-http-client/2.0',
  'okhttp/4.12.0', 'axios/1.6.2', 'node-fetch/1.0', 'undici', 'Java/17.0.9', 'Scrapy/2.11', 'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'facebookexternalhit/1.1', 'Twitterbot/1.0', 'WhatsApp/2.23.20.0',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36',
  'Mozilla/5.0 (compatible; Google-InspectionTool/1.0)', 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', '',
]
const browsers = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0',
  'Mozilla/5.0 (demo visitor)',
]

describe('bot clicks', () => {
  it.each(bots)('counts %j as a bot', (ua) => expect(isBot(ua)).toBe(true))
  it.each(browsers)('counts %j as a person', (ua) => expect(isBot(ua)).toBe(false))
})
