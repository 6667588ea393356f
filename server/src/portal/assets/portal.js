// The portal's only script (served as a file: the pages' Content-Security-Policy allows no inline script).
// Copy buttons: <button type="button" data-copy="ID" hidden>Copy</button> copies the text of element #ID.
// They stay hidden without JavaScript, where selecting the text by hand still works.
(function () {
  'use strict'
  var buttons = document.querySelectorAll('button[data-copy]')
  for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false

  function announce(text) {
    var live = document.getElementById('copy-status')
    if (live) live.textContent = text
  }

  function selectText(element) {
    if (typeof element.select === 'function') return element.select()
    var range = document.createRange()
    range.selectNodeContents(element)
    var selection = window.getSelection()
    selection.removeAllRanges()
    selection.addRange(range)
  }

  function done(button, ok) {
    if (!button.dataset.label) button.dataset.label = button.textContent
    button.textContent = ok ? 'Copied' : 'Press Ctrl+C'
    announce(ok ? 'Copied to the clipboard.' : 'The text is selected: press Ctrl+C (⌘C) to copy it.')
    setTimeout(function () { button.textContent = button.dataset.label }, 2500)
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button[data-copy]')
    if (!button) return
    var source = document.getElementById(button.dataset.copy)
    if (!source) return
    var text = 'value' in source && source.tagName !== 'BUTTON' ? source.value : source.textContent
    var fallback = function () {
      selectText(source)
      var ok = false
      try { ok = document.execCommand('copy') } catch (e) { ok = false }
      done(button, ok)
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(button, true) }, fallback)
    } else {
      fallback()
    }
  })
})()
