import { data, readConfig } from './config'
import { conversion, order } from './conversion'
import { guard, skip } from './debug'
import { watchForms } from './form'
import { captureClick } from './landing'
import { installQueue } from './queue'

// currentScript is only set while this file first runs, so everything below happens synchronously.
try {
  readConfig(document.currentScript as HTMLScriptElement)
  const stub = window.nw
  if (stub?.loaded) skip('already loaded')
  else if (navigator.webdriver && !('allowAutomation' in data)) skip('webdriver')
  else {
    // Capture first: a conversion queued on the landing page itself then carries the new click id.
    guard(captureClick)
    installQueue({ conversion, order }, stub?.q)
    watchForms()
  }
} catch {}
