"""The SMS counter in the browser (B5): shop/static/js/sms-counter.js gives Python's results on
the shared table (tests/sms_cases.json) and beyond, and the macro's counter works as one types."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from flask import render_template_string

from shop.notifications.sms_count import cost, count, estimate, expand_variables, plain_letters

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "shop" / "static" / "js" / "sms-counter.js"
CASES = json.loads((ROOT / "tests" / "sms_cases.json").read_text(encoding="utf-8"))


def _blank(browser, lang: str = "en"):
    page = browser.new_page()
    page.set_content(f"<html lang='{lang}'><body></body></html>")
    page.add_script_tag(path=str(SCRIPT))
    return page


def test_the_js_counts_the_shared_table_like_python(browser):
    page = _blank(browser)
    try:
        results = page.evaluate(
            "cases => cases.map(c => ({count: SmsCount.count(c.text),"
            " plain: SmsCount.plainLetters(c.text)}))",
            CASES,
        )
    finally:
        page.close()

    for case, result in zip(CASES, results, strict=True):
        expected = {"encoding": case["encoding"], "units": case["units"], "segments": case["segments"]}
        expected["characters"] = case.get("characters", count(case["text"]).characters)
        assert result["count"] == expected, case["name"]
        if "plain" in case:
            assert result["plain"] == case["plain"], case["name"]


def test_the_js_agrees_with_python_on_every_character(browser):
    """Each code point of the BMP (lone surrogates included) and a few beyond, alone and after
    a GSM text: same encoding, units and plain letters."""
    code_points = [*range(0x10000), 0x1F600, 0x1F44B, 0x10FFFF]
    page = _blank(browser)
    try:
        js = page.evaluate(
            """cps => cps.map(cp => {
                 const ch = String.fromCodePoint(cp);
                 const one = SmsCount.count(ch), two = SmsCount.count('ab' + ch);
                 return [one.encoding, one.units, one.segments, one.characters, two.units,
                         SmsCount.plainLetters(ch)];
               })""",
            code_points,
        )
    finally:
        page.close()

    for cp, got in zip(code_points, js, strict=True):
        ch = chr(cp)
        one, two = count(ch), count("ab" + ch)
        expected = [one.encoding, one.units, one.segments, one.characters, two.units, plain_letters(ch)]
        if got != expected:  # lone surrogates cannot cross into Python intact; compare what can
            assert 0xD800 <= cp <= 0xDFFF and got[:5] == expected[:5], f"U+{cp:04X}: {got} != {expected}"


def test_the_js_expands_variables_and_costs_like_python(browser):
    longest = {"order.number": "SO-2026-000123", "customer.name": "Żaneta Wiśniewska", "x": "{{ x }}"}
    templates = [
        "",
        "Order {{ order.number }} shipped",
        "Hi {{customer.name|upper}}{% if x %}!{% endif %}{# c #}",
        "{{- order.number -}} {{ unknown }} {{ order.total + 1 }} {{ x }}",
        "Line\r\n{{\norder.number\n}}",
        "{% for l in lines %}{{ l.name }}{% endfor %}",
        "{{ broken",
    ]
    prices = ["0.10", "0.1", "0.045", "0.00005", "1500", "1E+2", "0.125", "0", "0.1000"]
    page = _blank(browser)
    try:
        expanded = page.evaluate(
            "([ts, longest]) => ts.map(t => SmsCount.expandVariables(t, longest))", [templates, longest]
        )
        costs = page.evaluate(
            "prices => prices.map(p => [0, 1, 2, 3, 7, 1000].map(n => SmsCount.cost(n, p)))", prices
        )
    finally:
        page.close()

    assert [tuple(e) for e in expanded] == [expand_variables(t, longest) for t in templates]
    assert costs == [[str(cost(n, Decimal(p))) for n in (0, 1, 2, 3, 7, 1000)] for p in prices]


PAGE = """<!doctype html>
<html lang="{{ lang }}" dir="{{ 'rtl' if lang == 'fa' else 'ltr' }}">
<head>
  <meta charset="utf-8">
  <link rel="stylesheet" href="{{ url_for('static', filename='css/shop.css') }}">
  <link rel="stylesheet" href="{{ url_for('static', filename='css/sms-counter.css') }}">
</head>
<body>
  {% from "notifications/_sms_counter.html" import sms_counter %}
  <textarea id="body" data-sms-counter="body-sms" aria-describedby="body-sms">{{ text }}</textarea>
  {{ sms_counter("body", "body-sms", prices, "TRY", variables, initial=initial, estimated=estimated) }}
  <textarea id="other">ş</textarea>
  {{ sms_counter("other", "other-sms", {"domestic": prices.domestic}, "TRY", {}, initial=other) }}
</body>
</html>"""


def _render(lang: str, text: str) -> str:
    variables = {"order.number": "SO-2026-000123"}
    initial, estimated = estimate(text, variables)
    return render_template_string(
        PAGE,
        lang=lang,
        text=text,
        prices={"domestic": Decimal("0.15"), "foreign": Decimal("0.045")},
        variables=variables,
        initial=initial,
        estimated=estimated,
        other=count("ş"),
    )


def _unspaced(text: str) -> str:
    return re.sub(r"\s", "", text)


def _open(page, html: str) -> None:
    page.route(
        "**/sms-counter-test",
        lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html),
    )
    page.goto("/sms-counter-test")


def test_the_counter_counts_as_one_types(page):
    html = _render("en", "Hello")
    # The server's figures, shown without JavaScript.
    assert 'data-encoding="GSM-7" data-units="5" data-segments="1" data-characters="5"' in html
    server_cost = re.search(r'data-sms-cost="domestic">([^<]*)<', html).group(1)
    assert "0.15" in server_cost
    _open(page, html)
    out = page.locator("#body-sms")
    assert out.get_attribute("aria-live") == "polite"
    assert page.evaluate("window.SmsCount.bound") is True
    # The script's figures agree with the server's (Babel puts no space between a currency code
    # and the amount nor groups 4-digit Polish numbers, ICU does: spaces aside).
    assert out.locator("[data-sms=segments]").inner_text() == "1"
    assert _unspaced(out.locator("[data-sms-cost=domestic]").inner_text()) == _unspaced(server_cost)
    assert out.locator("[data-sms=estimated]").is_hidden()
    assert out.locator("[data-sms=plain]").is_hidden()

    page.fill("#body", "a" * 160)
    assert out.locator("[data-sms=characters]").inner_text() == "160"
    assert out.locator("[data-sms=segments]").inner_text() == "1"
    page.locator("#body").press_sequentially("ş")
    assert out.get_attribute("data-encoding") == "UCS-2"
    assert out.locator("[data-sms=encoding]").inner_text() == "UCS-2 (Unicode)"
    assert out.locator("[data-sms=segments]").inner_text() == "3"  # 161 units: 67 + 67 + 27
    assert "0.45" in out.locator("[data-sms-cost=domestic]").inner_text()
    assert "0.135" in out.locator("[data-sms-cost=foreign]").inner_text()  # 3 x 0.045, four places
    button = out.locator("[data-sms=plain]")
    assert button.is_visible()
    assert button.inner_text() == "Replace 1 character with plain letters (segments: 3 → 2)"

    button.click()
    assert page.input_value("#body") == "a" * 160 + "s"
    assert out.get_attribute("data-encoding") == "GSM-7"
    assert out.locator("[data-sms=segments]").inner_text() == "2"
    assert button.is_hidden()

    page.fill("#body", "Order {{ order.number }} is on its way")
    assert out.locator("[data-sms=estimated]").is_visible()
    assert out.get_attribute("data-characters") == str(len("Order SO-2026-000123 is on its way"))

    # The second counter (its textarea has no data-sms-counter: the macro's data-sms-for links it).
    other = page.locator("#other-sms")
    assert other.get_attribute("data-encoding") == "UCS-2"
    assert other.locator("[data-sms-cost=foreign]").count() == 0
    page.locator("#other").press_sequentially("ş" * 2)
    assert other.locator("[data-sms=characters]").inner_text() == "3"
    assert (
        other.locator("[data-sms=plain]").inner_text()
        == "Replace 3 characters with plain letters (segments: 1 → 1)"
    )
    assert page.js_errors == []


def test_the_counter_speaks_persian_digits(page):
    _open(page, _render("fa", "سلام {{ order.number }}"))
    out = page.locator("#body-sms")

    assert out.locator("[data-sms=characters]").inner_text() == "۱۹"
    assert out.locator("[data-sms=estimated]").is_visible()
    page.fill("#body", "س" * 71)
    assert out.locator("[data-sms=segments]").inner_text() == "۲"
    assert "۰٫۳" in out.locator("[data-sms-cost=domestic]").inner_text()
