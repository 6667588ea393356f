import { endpoint } from './config'
import { readClickId } from './cookie'
import { guard } from './debug'

/**
 * F3 method 2: a plain form posting to `${endpoint}/conv` works without the script; with it, the post also
 * carries the first-party click ids (latest and first), which survives where the network's own cookie is blocked. The browser
 * fires `formdata` while it builds the body of any submission (a click, `submit()`, `requestSubmit()`), so
 * no form is missed and the page's DOM is left alone.
 */
export const watchForms = (): void =>
  document.addEventListener(
    'formdata',
    (event) =>
      guard(() => {
        const form = event.target as HTMLFormElement
        if (form.action.startsWith(endpoint + '/conv'))
          for (const which of ['', 1] as const) {
            // A field the form has already keeps its value: the network reads the first of a repeated name.
            const id = readClickId(which)
            if (id) event.formData.append('nclid' + which, id)
          }
      }),
    true,
  )
