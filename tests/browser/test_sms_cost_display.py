"""The SMS cost shown by the server and by sms-counter.js agree (issue 10, item 14): a tariff with
more decimals than the currency (0.045 zł a segment) is shown with its decimals by both, never
rounded half to even by Babel (0,04 zł) while the script shows 0,045 zł."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask import render_template_string
from flask_babel import force_locale

from shop.notifications.sms_count import count

PAGE = """<!doctype html>
<html lang="{{ lang }}" dir="{{ 'rtl' if lang == 'fa' else 'ltr' }}">
<body>
  {% from "notifications/_sms_counter.html" import sms_counter %}
  <textarea id="body" data-sms-counter="body-sms">{{ text }}</textarea>
  {{ sms_counter("body", "body-sms", prices, currency, {}, initial=initial) }}
</body>
</html>"""


def _unspaced(text: str) -> str:
    return re.sub(r"[\s\u200e\u200f]", "", text)


@pytest.mark.parametrize(
    ("lang", "currency", "segments_text", "domestic", "foreign"),
    [
        ("pl", "PLN", "a", "0,15zł", "0,045zł"),  # one segment: 0.045 shown as is
        ("pl", "PLN", "a" * 161, "0,30zł", "0,09zł"),  # two: 0.0900 is 0,09 zł
        ("en", "TRY", "ş" * 140, "TRY0.45", "TRY0.135"),  # three UCS-2 segments
        ("fa", "TRY", "a", "TRY۰٫۱۵", "TRY۰٫۰۴۵"),
    ],
)
def test_the_server_and_the_script_show_the_same_sms_cost(
    page, lang, currency, segments_text, domestic, foreign
):
    initial = count(segments_text)
    with force_locale(lang):
        html = render_template_string(
            PAGE,
            lang=lang,
            text=segments_text,
            prices={"domestic": Decimal("0.15"), "foreign": Decimal("0.045")},
            currency=currency,
            initial=initial,
        )
    served = {
        key: _unspaced(re.search(rf'data-sms-cost="{key}">([^<]*)<', html).group(1))
        for key in ("domestic", "foreign")
    }
    assert served == {"domestic": domestic, "foreign": foreign}

    page.route(
        "**/sms-cost-test",
        lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html),
    )
    page.goto("/sms-cost-test")
    page.wait_for_function("window.SmsCount && window.SmsCount.bound")
    out = page.locator("#body-sms")
    shown = {key: _unspaced(out.locator(f"[data-sms-cost={key}]").inner_text()) for key in served}

    assert shown == served
