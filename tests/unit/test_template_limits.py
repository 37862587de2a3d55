"""The limits of seller templates that one long operation cannot get around (issue 10, item 7):
literals are capped before Jinja's compiler folds them, comparisons are capped by the weight of
both sides, and every render runs in a child process that is killed at a hard deadline."""

from __future__ import annotations

import time

import pytest

from shop.notifications import templating
from shop.notifications.templating import isolation
from shop.notifications.templating.validation import compile_template


def problem(source: str, *, channel: str = "email", field: str = "body") -> templating.TemplateProblem:
    started = time.monotonic()
    with pytest.raises(templating.TemplateProblem) as caught:
        templating.validate("order_confirmation", channel, source, field=field)
    assert time.monotonic() - started < 1.0
    return caught.value


def nested_literal(levels: int, fold: int) -> str:
    text = "0"
    for _ in range(levels):
        text = "[" + ", ".join([text] * fold) + "]"
    return text


# --- literals, counted before the compiler folds them ---------------------------------------


def test_a_constant_comparison_of_large_literals_is_refused_before_it_is_compiled():
    literal = nested_literal(3, 10)  # 1,110 items, 8,000 characters: fits the source limit
    source = "{{ " + literal + " == " + literal + " }}"

    found = problem(source)

    assert found.kind == "literal_items" and found.line == 1
    assert str(found) == "Line 1: A list written in the template may have at most 100 items."


def test_small_literals_are_fine():
    text = templating.render(
        "order_confirmation", "email", "{% set sizes = ['S', 'M', ['L', 'XL']] %}{{ sizes|length }}", {}
    )

    assert text == "3"


def test_a_long_text_in_quotes_and_a_computed_dict_key_are_refused():
    assert problem("{{ '" + "x" * 1_001 + "' }}").kind == "literal_text"
    assert problem("{% set d = {order.number: 1} %}{{ order.number }}").kind == "dict_key"
    assert templating.render("order_confirmation", "email", "{% set d = {'n': 2} %}{{ d.n }}", {}) == "2"


# --- comparisons, capped by what they would walk ------------------------------------------


@pytest.mark.parametrize(
    "compare",
    [
        "a == b",
        "a != b",
        "a < b",
        "a in [b]",
        "b not in [a]",
        "a is eq(b)",
        "a is in([b])",
        "1 < 2 < (a == b)",
    ],
)
def test_comparing_values_too_large_to_compare_is_refused(compare):
    source = (
        "{% set a = ['x' * 40000, 'y' * 40000] %}{% set b = ['x' * 40000, 'y' * 40000] %}"
        "{{ " + compare + " }}"
    )

    assert problem(source).kind == "compare_too_large"


def test_a_deep_tuple_used_as_a_key_is_refused_before_it_is_hashed():
    levels = "".join("{% set t = (t, t, t, t, t, t, t, t, t, t) %}" for _ in range(6))
    source = "{% set t = ('x', 'y') %}" + levels + "{% set d = {'k': 1} %}{{ d[t] is defined }}"

    assert problem(source).kind == "compare_too_large"


def test_loop_changed_is_a_comparison_too():
    source = (
        "{% set a = ['x' * 40000, 'y' * 40000] %}{% set b = [a, a] %}"
        "{% for i in range(2) %}{{ loop.changed(b) }}{% endfor %}"
    )

    assert problem(source).kind == "compare_too_large"


def test_everyday_comparisons_still_work():
    context = templating.example_context("order_confirmation")
    source = (
        "{% if order.items|length > 1 and order.number == 'S000123' and 'mug' in order.items[0].name|lower %}"
        "{{ 1 < 2 < 3 }} {{ 3 < 2 < 1 }} {{ order.number is eq('S000123') }}{% endif %}"
    )

    assert templating.render("order_confirmation", "email", source, context) == "True False True"


# --- the hard time limit ------------------------------------------------------------------


def test_the_child_answers_with_the_result_or_the_problem():
    assert isolation.run(lambda: {"text": "ok"}) == {"text": "ok"}

    def refuse() -> None:
        raise templating.TemplateProblem("too_long", field="subject", max=300)

    with pytest.raises(templating.TemplateProblem) as caught:
        isolation.run(refuse)
    assert (caught.value.kind, caught.value.field, caught.value.data) == ("too_long", "subject", {"max": 300})


def test_one_long_operation_in_c_is_killed_at_the_deadline():
    """Neither a signal handler nor the cooperative clock runs during one C call: only a
    process can be stopped there. (sum() over a huge range is one C call.)"""
    started = time.monotonic()

    with pytest.raises(templating.TemplateProblem) as caught:
        isolation.run(lambda: sum(range(10**12)), seconds=0.3)

    assert caught.value.kind == "too_slow"
    assert time.monotonic() - started < 2.0
    assert isolation.run(lambda: "still working") == "still working"


def test_a_render_is_bounded_even_with_the_caps_off(monkeypatch):
    from shop.notifications.templating import sandbox

    monkeypatch.setattr(sandbox, "COMPARE_MAX", 10**12)
    monkeypatch.setattr(isolation, "HARD_SECONDS", 0.3)
    lines = []
    for name in ("a", "b"):
        lines.append("{% set " + name + " = [" + ", ".join(["'x' * 50000"] * 10) + "] %}")
        lines += ["{% set " + name + " = [" + ", ".join([name] * 10) + "] %}"] * 6
    source = "\n".join(lines) + "{{ a == b }}"
    started = time.monotonic()

    with pytest.raises(templating.TemplateProblem) as caught:
        templating.render("order_confirmation", "email", source, {})

    assert caught.value.kind == "too_slow"
    assert time.monotonic() - started < 2.0


def test_the_compiled_template_is_checked_again_at_render_time():
    """A template stored without validate (a status's own text from an older version) meets
    the same checks when it is compiled to be sent."""
    with pytest.raises(templating.TemplateProblem) as caught:
        compile_template("order_confirmation", "email", "body", "{{ " + nested_literal(2, 11) + " }}")

    assert caught.value.kind == "literal_items"
