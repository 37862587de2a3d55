/* The live SMS counter (product rule B5): the same rules as shop/notifications/sms_count.py,
   checked against the same table (tests/sms_cases.json) in tests/browser/test_sms_count_js.py.

   window.SmsCount = {count, plainLetters, expandVariables, cost}
   - count(text) -> {encoding: 'GSM-7'|'UCS-2', units, segments, characters}
   - plainLetters(text) -> text with Polish/Turkish letters and typography made GSM-7
   - expandVariables(text, longest) -> [text, estimated]
   - cost(segments, price) -> decimal string ('0.30'; four places when the price has more than two)

   It counts every textarea[data-sms-counter="<output id>"] on input, the output being rendered by
   the macro in templates/notifications/_sms_counter.html (which holds the translated words and
   the prices in a <script type="application/json" data-sms="config">). Plain ES2017, no eval,
   no inline handlers; safe to load twice; re-counts after htmx swaps. */
(function () {
  'use strict';

  if (window.SmsCount && window.SmsCount.bound) {
    return; // the script is included twice: the first copy already listens
  }

  // GSM 03.38 default alphabet in table order, without 0x1B (escape). Upper-case Ç is in it,
  // lower-case ç is not.
  var GSM_BASIC = new Set(Array.from(
    '@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\u000a\u00d8\u00f8\u000d\u00c5\u00e5' +
    '\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9' +
    ' !"#\u00a4%&\u0027()*+,-./0123456789:;<=>?' +
    '\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7' +
    '\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0'
  ));
  // Two septets each (escape + character).
  var GSM_EXTENSION = new Set(Array.from('^{}[]~|\u005c\u20ac'));
  var SINGLE = {'GSM-7': 160, 'UCS-2': 70};
  var PART = {'GSM-7': 153, 'UCS-2': 67};

  var PLAIN_LETTERS = {
    // Polish
    '\u0105': 'a', '\u0107': 'c', '\u0119': 'e', '\u0142': 'l', '\u0144': 'n', '\u00f3': 'o',
    '\u015b': 's', '\u017a': 'z', '\u017c': 'z', '\u0104': 'A', '\u0106': 'C', '\u0118': 'E',
    '\u0141': 'L', '\u0143': 'N', '\u00d3': 'O', '\u015a': 'S', '\u0179': 'Z', '\u017b': 'Z',
    // Turkish (\u00f6 \u00fc \u00d6 \u00dc \u00c7 are GSM-7 already)
    '\u00e7': 'c', '\u011f': 'g', '\u0131': 'i', '\u015f': 's', '\u0130': 'I', '\u015e': 'S',
    '\u011e': 'G',
    // typography
    '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '\u2039': "'",
    '\u203a': "'", '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"',
    '\u00ab': '"', '\u00bb': '"', '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-',
    '\u2014': '-', '\u2015': '-', '\u2212': '-', '\u2026': '...', '\u00a0': ' ', '\u2007': ' ',
    '\u2009': ' ', '\u202f': ' '
  };

  function normalise(text) {
    return String(text).replace(/\r\n?/g, '\n');
  }

  function segmentsOf(sizes, units, encoding) {
    if (units === 0) return 0;
    if (units <= SINGLE[encoding]) return 1;
    var capacity = PART[encoding], segments = 1, used = 0;
    for (var i = 0; i < sizes.length; i++) {
      if (used + sizes[i] > capacity) { // a two-unit item that does not fit starts the next part
        segments += 1;
        used = sizes[i];
      } else {
        used += sizes[i];
      }
    }
    return segments;
  }

  function count(text) {
    var chars = Array.from(normalise(text)); // code points
    var gsm = chars.every(function (ch) { return GSM_BASIC.has(ch) || GSM_EXTENSION.has(ch); });
    var encoding = gsm ? 'GSM-7' : 'UCS-2';
    var sizes = chars.map(function (ch) {
      if (ch === '\n') return 2; // sent as CR LF
      return (gsm ? GSM_EXTENSION.has(ch) : ch.length === 2) ? 2 : 1;
    });
    var units = sizes.reduce(function (a, b) { return a + b; }, 0);
    return {encoding: encoding, units: units, segments: segmentsOf(sizes, units, encoding),
      characters: chars.length};
  }

  function plainLetters(text) {
    return Array.from(String(text)).map(function (ch) {
      return Object.prototype.hasOwnProperty.call(PLAIN_LETTERS, ch) ? PLAIN_LETTERS[ch] : ch;
    }).join('');
  }

  function plainLettersChanges(text) {
    return Array.from(String(text)).filter(function (ch) {
      return Object.prototype.hasOwnProperty.call(PLAIN_LETTERS, ch);
    }).length;
  }

  var NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

  function strip(text, chars) {
    var start = 0, end = text.length;
    while (start < end && chars.indexOf(text[start]) >= 0) start++;
    while (end > start && chars.indexOf(text[end - 1]) >= 0) end--;
    return text.slice(start, end);
  }

  function expandVariables(text, longest) {
    longest = longest || {};
    var estimated = false;
    var out = String(text).replace(/\{#[\s\S]*?#\}/g, '').replace(/\{%[\s\S]*?%\}/g, '');
    out = out.replace(/\{\{([\s\S]*?)\}\}/g, function (whole, inner) {
      var name = strip(strip(strip(inner, ' \t\r\n'), '-+').split('|')[0], ' \t\r\n');
      if (NAME.test(name) && Object.prototype.hasOwnProperty.call(longest, name)) {
        estimated = true;
        return String(longest[name]);
      }
      return whole;
    });
    return [out, estimated];
  }

  // Decimal arithmetic on strings, so that the cost is Python's to the last digit.
  function cost(segments, price) {
    var match = /^\s*(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(String(price));
    if (!match || (match[1] + (match[2] || '')) === '') return null;
    var digits = (match[1] + (match[2] || '')).replace(/^0+(?=\d)/, '');
    var exponent = Number(match[3] || 0) - (match[2] || '').length; // price = digits * 10^exponent
    while (digits.length > 1 && digits.charAt(digits.length - 1) === '0') {
      digits = digits.slice(0, -1);
      exponent += 1;
    }
    if (digits === '0') exponent = 0;
    var places = -exponent > 2 ? 4 : 2;
    var scaled = Number(digits) * segments;
    var shift = -exponent - places, value;
    if (shift <= 0) {
      value = scaled * Math.pow(10, -shift);
    } else {
      var divisor = Math.pow(10, shift);
      value = Math.floor(scaled / divisor);
      if (2 * (scaled - value * divisor) >= divisor) value += 1; // half up
    }
    var text = String(value);
    while (text.length <= places) text = '0' + text;
    return text.slice(0, text.length - places) + '.' + text.slice(text.length - places);
  }

  // ---- the counter on the page ----

  var configs = new WeakMap();

  function configOf(output) {
    if (!configs.has(output)) {
      var config = {};
      var script = output.querySelector('script[data-sms="config"]');
      try {
        config = JSON.parse(script ? script.textContent : '{}') || {};
      } catch (error) {
        config = {};
      }
      configs.set(output, config);
    }
    return configs.get(output);
  }

  function language() {
    return document.documentElement.lang || undefined;
  }

  function formatNumber(value) {
    try {
      return new Intl.NumberFormat(language()).format(value);
    } catch (error) {
      return String(value);
    }
  }

  function formatMoney(amount, config) {
    try {
      var options = {style: 'currency', currency: config.currency};
      var minor = new Intl.NumberFormat(language(), options).resolvedOptions().maximumFractionDigits;
      var decimals = (amount.split('.')[1] || '').replace(/0+$/, '').length;
      if (decimals > minor) { // a price below the currency's minor unit: show it
        options.minimumFractionDigits = minor;
        options.maximumFractionDigits = decimals;
      }
      return new Intl.NumberFormat(language(), options).format(Number(amount));
    } catch (error) {
      return amount + ' ' + (config.currency || '');
    }
  }

  function setText(element, text) {
    if (element && element.textContent !== text) element.textContent = text; // quiet live region
  }

  function part(output, name) {
    return output.querySelector('[data-sms="' + name + '"]');
  }

  function replaceLabel(config, changes, before, after) {
    var forms = config.replace || {};
    var category = 'other';
    try {
      category = new Intl.PluralRules(language()).select(changes);
    } catch (error) { /* keep 'other' */ }
    var template = forms[category] || forms.other || forms.many ||
      'Replace {count} characters with plain letters ({before} \u2192 {after} SMS)';
    return template.replace('{count}', formatNumber(changes))
      .replace('{before}', formatNumber(before))
      .replace('{after}', formatNumber(after));
  }

  function update(textarea) {
    var output = document.getElementById(textarea.getAttribute('data-sms-counter'));
    if (!output) return;
    var config = configOf(output);
    var variables = config.variables || {};
    var raw = textarea.value;
    var expanded = expandVariables(raw, variables);
    var result = count(expanded[0]);

    output.setAttribute('data-encoding', result.encoding);
    output.setAttribute('data-units', String(result.units));
    output.setAttribute('data-segments', String(result.segments));
    output.setAttribute('data-characters', String(result.characters));
    setText(part(output, 'characters'), formatNumber(result.characters));
    setText(part(output, 'encoding'), (config.labels || {})[result.encoding] || result.encoding);
    setText(part(output, 'segments'), formatNumber(result.segments));
    Array.prototype.forEach.call(output.querySelectorAll('[data-sms-cost]'), function (element) {
      var price = (config.prices || {})[element.getAttribute('data-sms-cost')];
      var amount = price === undefined || price === null ? null : cost(result.segments, price);
      if (amount !== null) setText(element, formatMoney(amount, config));
    });
    var note = part(output, 'estimated');
    if (note) note.hidden = !expanded[1];

    var button = part(output, 'plain');
    if (button) {
      var changes = plainLettersChanges(raw);
      var useful = false, plain = null;
      if (changes > 0) {
        plain = count(expandVariables(plainLetters(raw), variables)[0]);
        useful = (result.encoding === 'UCS-2' && plain.encoding === 'GSM-7') ||
          plain.segments < result.segments;
      }
      button.hidden = !useful;
      if (useful) setText(button, replaceLabel(config, changes, result.segments, plain.segments));
    }
  }

  function textareaFor(output) {
    var id = output.getAttribute('data-sms-for');
    var textarea = id ? document.getElementById(id) : null;
    if (!textarea && output.id) {
      textarea = document.querySelector('textarea[data-sms-counter="' + CSS.escape(output.id) + '"]');
    }
    return textarea;
  }

  function refresh() {
    // The macro names its textarea: link it even if the page forgot data-sms-counter.
    Array.prototype.forEach.call(document.querySelectorAll('[data-sms-for]'), function (output) {
      var textarea = textareaFor(output);
      if (textarea && output.id && !textarea.hasAttribute('data-sms-counter')) {
        textarea.setAttribute('data-sms-counter', output.id);
      }
      configs.delete(output);
    });
    Array.prototype.forEach.call(document.querySelectorAll('textarea[data-sms-counter]'), update);
  }

  document.addEventListener('input', function (event) {
    var target = event.target;
    if (target && target.matches && target.matches('textarea[data-sms-counter]')) update(target);
  });

  document.addEventListener('click', function (event) {
    var button = event.target && event.target.closest ? event.target.closest('[data-sms="plain"]') : null;
    var output = button ? button.closest('[data-sms-for]') : null;
    var textarea = output ? textareaFor(output) : null;
    if (!textarea) return;
    event.preventDefault();
    textarea.value = plainLetters(textarea.value);
    textarea.dispatchEvent(new Event('input', {bubbles: true}));
    textarea.focus();
  });

  // htmx (when the page has it) swaps in new textareas and counters.
  document.addEventListener('htmx:afterSwap', refresh);
  document.addEventListener('htmx:load', refresh);

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', refresh);
  } else {
    refresh();
  }

  window.SmsCount = {
    count: count,
    plainLetters: plainLetters,
    expandVariables: expandVariables,
    cost: cost,
    bound: true
  };
})();
