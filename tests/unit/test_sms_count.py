"""The SMS counter in Python (B5): the shared table of cases, plain letters, variables, cost and
``flask sms-count``. tests/browser/test_sms_count_js.py runs the same table through the JS."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from shop.notifications.sms_count import (
    GSM_BASIC,
    SmsCount,
    cost,
    count,
    estimate,
    expand_variables,
    plain_letters,
    plain_letters_changes,
)

CASES = json.loads((Path(__file__).resolve().parents[1] / "sms_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_count(case):
    result = count(case["text"])

    assert (result.encoding, result.units, result.segments) == (
        case["encoding"],
        case["units"],
        case["segments"],
    )
    if "characters" in case:
        assert result.characters == case["characters"]


@pytest.mark.parametrize("case", [c for c in CASES if "plain" in c], ids=lambda c: c["name"])
def test_plain_letters(case):
    assert plain_letters(case["text"]) == case["plain"]


def test_the_table_has_what_the_product_asks_for():
    texts = [case["text"] for case in CASES]
    assert "" in texts
    assert {(c["encoding"], c["units"]) for c in CASES} >= {
        ("GSM-7", 160),
        ("GSM-7", 161),
        ("UCS-2", 70),
        ("UCS-2", 71),
    }
    assert any("ş" in t for t in texts) and "ç" in texts and "Ç" in texts
    assert any("\r\n" in t for t in texts) and all(ch in "".join(texts) for ch in "^{}[]~|\\€")


def test_the_basic_alphabet_is_03_38():
    assert len(GSM_BASIC) == 127  # 128 code points, without the escape
    assert "Ç" in GSM_BASIC and "ç" not in GSM_BASIC
    assert set("ÄÖÑÜäöñüàèéùìò") <= GSM_BASIC and not set("âêîôûáíú") & GSM_BASIC


def test_a_count_is_frozen_and_costs():
    result = count("a" * 161)
    assert result == SmsCount("GSM-7", 161, 2, 161)
    assert result.cost(Decimal("0.15")) == Decimal("0.30")
    with pytest.raises(AttributeError):
        result.segments = 1  # type: ignore[misc]


def test_plain_letters_only_when_there_is_an_equivalent():
    assert plain_letters("Paket: 3 ürün, güzel 😀 بسته") == "Paket: 3 ürün, güzel 😀 بسته"
    assert plain_letters("Sipariş hazır, teşekkürler") == "Siparis hazir, tesekkürler"
    assert count(plain_letters("Sipariş hazır, teşekkürler")).encoding == "GSM-7"
    assert plain_letters_changes("Sipariş hazır…") == 3


@pytest.mark.parametrize(
    ("template", "expected", "estimated"),
    [
        ("Order {{ order.number }} shipped", "Order NNNNNNNNNN shipped", True),
        ("Order {{order.number}} shipped", "Order NNNNNNNNNN shipped", True),
        ("Hi {{ customer.name|upper }}!", "Hi Żaneta Nowakowska-Wiśniewska!", True),
        # whitespace control is ignored: the estimate keeps the space (errs on the long side)
        ("Hi {{- customer.name | title -}}!", "Hi Żaneta Nowakowska-Wiśniewska!", True),
        ("{{ nope }} and {{ order.total + 1 }}", "{{ nope }} and {{ order.total + 1 }}", False),
        ("{% if tracking %}Track: {{ tracking }}{% endif %}{# note #}", "Track: {{ tracking }}", False),
        ("No variables at all", "No variables at all", False),
        ("Line\n{{\norder.number\n}}", "Line\nNNNNNNNNNN", True),
    ],
)
def test_expand_variables(template, expected, estimated):
    longest = {"order.number": "N" * 10, "customer.name": "Żaneta Nowakowska-Wiśniewska"}
    assert expand_variables(template, longest) == (expected, estimated)


def test_estimate_counts_the_expanded_text():
    result, estimated = estimate("Hi {{ customer.name }}", {"customer.name": "Şule"})
    assert estimated and result == count("Hi Şule") and result.encoding == "UCS-2"
    assert estimate("{{ x }}") == (count("{{ x }}"), False)


@pytest.mark.parametrize(
    ("segments", "price", "expected"),
    [
        (0, "0.10", "0.00"),
        (3, "0.10", "0.30"),
        (3, "0.1", "0.30"),
        (3, "0.1000", "0.30"),
        (3, "0.045", "0.1350"),
        (1, "0.00005", "0.0001"),
        (2, "1500", "3000.00"),
        (2, "1E+2", "200.00"),
        (7, "0.125", "0.8750"),
        (1, "-0", "0.00"),
    ],
)
def test_cost(segments, price, expected):
    assert str(cost(segments, Decimal(price))) == expected


@pytest.mark.parametrize("price", ["-0.01", "NaN", "Infinity"])
def test_cost_refuses_a_bad_price(price):
    with pytest.raises(ValueError):
        cost(1, Decimal(price))


def test_cli_counts(app):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["sms-count", "Merhaba {}"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"encoding": "GSM-7", "units": 12, "segments": 1}
    assert len(result.output.strip().splitlines()) == 1

    result = runner.invoke(args=["sms-count", "ş" * 71, "--price", "0.15"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"encoding": "UCS-2", "units": 71, "segments": 2, "cost": "0.30"}


@pytest.mark.parametrize("price", ["abc", "-1", "NaN", "Infinity", "-Infinity", ""])
def test_cli_refuses_a_bad_price(app, price):
    result = app.test_cli_runner().invoke(args=["sms-count", "hello", "--price", price])

    assert result.exit_code == 2
    assert "--price" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
