// The standalone revenue report's one script (a file: the Content-Security-Policy allows no inline script).
// Wires every `[data-copy]` button to copy the textarea it names; without the clipboard, opens and selects it.
document.querySelectorAll('[data-copy]').forEach(function (b) {
  b.addEventListener('click', function () {
    var t = document.getElementById(b.getAttribute('data-copy'));
    if (!t) return;
    (navigator.clipboard ? navigator.clipboard.writeText(t.value) : Promise.reject()).then(function () { b.textContent = 'Copied'; },
      function () { t.closest('details').open = true; t.select(); });
  });
});
