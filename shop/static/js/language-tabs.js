/* Language tabs of the back office's per-language texts (product names and descriptions).
   Without JavaScript every language's fields are shown one under the other, each with its
   heading; with it, one language at a time, chosen by its tab. The first tab shown is the
   one whose fields have an error, else the one in the address (#lang-tr), else the first.
   Markup: [data-language-tabs] > a[data-tab] (href="#<panel id>") and .tab-panel. */
(function () {
  'use strict';

  function show(box, id) {
    box.querySelectorAll('.tab-panel').forEach(function (panel) {
      panel.hidden = panel.id !== id;
    });
    box.querySelectorAll('a[data-tab]').forEach(function (tab) {
      var selected = tab.getAttribute('href') === '#' + id;
      tab.setAttribute('aria-selected', selected ? 'true' : 'false');
      tab.tabIndex = selected ? 0 : -1;
    });
  }

  function bind(box) {
    var panels = Array.prototype.slice.call(box.querySelectorAll('.tab-panel'));
    if (!panels.length) return;
    box.classList.add('tabs-on');
    var wrong = panels.filter(function (panel) { return panel.querySelector('.has-error'); })[0];
    var asked = panels.filter(function (panel) { return '#' + panel.id === window.location.hash; })[0];
    show(box, (wrong || asked || panels[0]).id);
    box.addEventListener('click', function (event) {
      var tab = event.target.closest ? event.target.closest('a[data-tab]') : null;
      if (!tab || !box.contains(tab)) return;
      event.preventDefault();
      show(box, tab.getAttribute('href').slice(1));
      tab.focus();
    });
  }

  function start() {
    document.querySelectorAll('[data-language-tabs]').forEach(bind);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
