/* Small behaviours of the back office, declared by data attributes so that no page needs inline
   script (the Content-Security-Policy allows none; see shop/security.py). Plain ES2017.

   - form[data-drop-empty]: its htmx requests leave empty fields out of the URL (the order list
     and outbox filters keep short, shareable addresses).
   - input[type=checkbox][data-select-all="<name>"]: ticks or unticks every checkbox named
     <name> in its form.
   - [data-confirm="<question>"] on a submit button or a form: asks before the form is sent;
     "Cancel" sends nothing (htmx does not see the submit either). */
(function () {
  'use strict';

  if (window.shopBackOfficeBound) return; // loaded twice: the first copy already listens
  window.shopBackOfficeBound = true;

  document.addEventListener('htmx:configRequest', function (event) {
    var form = event.target && event.target.closest ? event.target.closest('form[data-drop-empty]') : null;
    if (!form) return;
    var parameters = event.detail.parameters;
    Array.from(parameters.entries()).forEach(function (entry) {
      if (entry[1] === '') delete parameters[entry[0]];
    });
  });

  document.addEventListener('change', function (event) {
    var box = event.target;
    if (!box || !box.matches || !box.matches('input[type=checkbox][data-select-all]') || !box.form) return;
    var name = box.getAttribute('data-select-all');
    Array.prototype.forEach.call(box.form.elements, function (element) {
      if (element.type === 'checkbox' && element.name === name) element.checked = box.checked;
    });
  });

  // Capture phase: decided before htmx's own submit listener on the form.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute('data-confirm')) ||
      (form && form.getAttribute && form.getAttribute('data-confirm'));
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
