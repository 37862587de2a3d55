"""Seller-edited notification templates: refused at save time with the line and the name,
rendered in a bounded sandbox that cannot stall the worker, and every default text valid."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from jinja2.exceptions import SecurityError

from shop.errors import ShopError
from shop.extensions import db
from shop.notifications import templating
from shop.notifications.default_templates import LANGUAGES, default_template
from shop.notifications.templating import (
    EVENTS,
    TemplateProblem,
    example_context,
    longest_context,
    longest_values,
    order_context,
    render,
    render_email_html,
    validate,
)
from shop.sales import services as sales
from tests.factories import pickup_details

# GSM 03.38 basic set (and the extension table, counted double by operators).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def problem(event: str, channel: str, source: str, *, field: str = "body") -> TemplateProblem:
    with pytest.raises(TemplateProblem) as caught:
        validate(event, channel, source, field=field)
    return caught.value


# --- refused at save time, with line and name ------------------------------------------------


def test_a_syntax_error_is_refused_with_its_line():
    error = problem("order_confirmation", "email", "Hello\n\n{% if order.number %}\nno end")

    assert error.kind == "syntax"
    assert error.line == 4
    assert error.http_status == 422
    assert isinstance(error, ShopError)


def test_an_unknown_variable_is_refused_with_its_line_and_name():
    error = problem("order_confirmation", "email", "Hello\n\nYour order {{ order.numbr }}")

    assert (error.kind, error.line, error.name) == ("unknown_variable", 3, "order.numbr")
    assert str(error) == "Line 3: Unknown variable order.numbr. Did you mean order.number?"


def test_an_unknown_root_and_an_attribute_of_a_value_are_unknown_variables():
    assert problem("order_confirmation", "sms", "{{ ordr.number }}").name == "ordr.number"
    assert problem("order_confirmation", "sms", "{{ order.number.digits }}").name == "order.number.digits"


def test_a_variable_of_another_event_is_unknown():
    error = problem("order_confirmation", "email", "We refunded {{ refund.amount }}.")

    assert (error.kind, error.name) == ("unknown_variable", "refund.amount")


def test_tracking_variables_only_where_a_parcel_exists():
    validate(
        "tracking_number", "sms", "{{ order.tracking_number }} {{ order.carrier }} {{ order.tracking_url }}"
    )

    assert problem("order_confirmation", "sms", "{{ order.tracking_number }}").kind == "unknown_variable"
    assert problem("abandoned_cart", "email", "{{ order.number }}").kind == "unknown_variable"


def test_loop_items_have_the_fields_of_the_documented_list():
    validate(
        "order_confirmation",
        "email",
        "{% for item in order.items|sort(attribute='name') %}{{ loop.index }}. {{ item.quantity }} × "
        "{{ item.name }}: {{ item.total }}{% endfor %}",
    )

    error = problem(
        "order_confirmation", "email", "{% for item in order.items %}\n{{ item.price }}\n{% endfor %}"
    )
    assert (error.kind, error.line, error.name) == ("unknown_variable", 2, "item.price")


def test_an_item_outside_its_loop_is_unknown():
    error = problem(
        "order_confirmation", "email", "{% for item in order.items %}x{% endfor %}{{ item.name }}"
    )

    assert error.name == "item.name"


def test_names_the_template_sets_itself_are_allowed():
    validate(
        "order_confirmation",
        "email",
        "{% set who = customer.first_name or customer.name %}{% with total = order.total %}"
        "Hello {{ who }}, {{ total }}{% endwith %}{% for a, b in [(1, 2)] %}{{ a + b }}{% endfor %}",
    )


def test_a_group_or_a_list_cannot_be_printed_as_it_is():
    assert problem("order_confirmation", "email", "{{ order }}").kind == "group"
    assert problem("order_confirmation", "email", "{{ order.items }}").kind == "list"


def test_unknown_filters_and_tests_are_refused():
    error = problem("order_confirmation", "email", "x\n{{ order.number|shout }}")
    assert (error.kind, error.line, error.name) == ("unknown_filter", 2, "shout")

    error = problem("order_confirmation", "email", "{% if order.number is callable %}x{% endif %}")
    assert (error.kind, error.name) == ("unknown_test", "callable")


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("{% include 'base.html' %}", "include"),
        ("{% extends 'base.html' %}", "extends"),
        ("{% import 'macros.html' as m %}", "import"),
        ("{% from 'macros.html' import x %}", "from … import"),
        ("{% macro m() %}x{% endmacro %}", "macro"),
        ("{% set x %}text{% endset %}", "set … endset"),
        ("{% filter upper %}text{% endfilter %}", "filter"),
        ("{% block b %}x{% endblock %}", "block"),
    ],
)
def test_template_features_a_message_does_not_need_are_refused(source, tag):
    error = problem("order_confirmation", "email", "Hello\n" + source)

    assert (error.kind, error.line, error.name) == ("tag", 2, tag)


def test_calls_other_than_range_and_loop_cycle_are_refused():
    validate("order_confirmation", "email", "{% for i in range(3) %}{{ loop.cycle('a', 'b') }}{% endfor %}")

    assert problem("order_confirmation", "email", "{{ order.number.upper() }}").kind == "call"
    assert problem("order_confirmation", "email", "{{ lipsum(5) }}").kind == "unknown_function"
    assert problem("order_confirmation", "email", "{{ '{0}'.format(1) }}").kind == "call"


def test_an_empty_message_is_refused():
    assert problem("order_confirmation", "sms", "{% if false %}x{% endif %}").kind == "empty"


def test_a_subject_is_one_line():
    context = example_context("order_confirmation")

    subject = render("order_confirmation", "email", "Order\n{{ order.number }}\n", context, field="subject")

    assert subject == "Order S000123"


def test_a_block_tag_ending_a_line_of_text_keeps_the_line_break():
    text = render(
        "pickup_ready",
        "email",
        "Where: {{ pickup.warehouse }}{% if pickup.address %}, {{ pickup.address }}{% endif %}\n"
        "{% if pickup.hours %}\n"
        "When: {{ pickup.hours }}\n"
        "{% endif %}\n"
        "End",
        example_context("pickup_ready"),
    )

    assert text == "Where: Kadıköy store, Moda Cd. 12, Kadıköy, İstanbul\nWhen: 10:00-19:00\nEnd"


# --- rendering is bounded --------------------------------------------------------------------

ATTACKS = {
    "a huge range": "{% for i in range(10**9) %}x{% endfor %}",
    "a huge string": "{{ 'x' * 10**9 }}",
    "a huge power": "{{ 2 ** (10 ** 9) }}",
    "center": "{{ 'x'|center(999999999) }}",
    "nested loops": "{% for i in range(1000) %}{% for j in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}",
    "silent nested loops": "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    "the class tree": "{{ ''.__class__.__mro__ }}",
    "a subscripted dunder": "{{ order.number['__class__'] }}",
    "str.format": "{{ '{0.__class__}'.format(order.number) }}",
    "percent formatting": "{{ '%999999999s' % 'x' }}",
    "concatenation in a loop": "{% set s = 'x' * 10000 %}{% for i in range(1000) %}{{ s ~ s }}{% endfor %}",
    "doubling by concatenation": "{% set a = 'x' * 30000 %}{% set b = a ~ a %}{% set c = b ~ b %}{{ c }}",
    "doubling by plus": "{% set a = 'x' * 30000 %}{% set b = a + a %}{% set c = b + b %}{{ c }}",
    "a list printed whole": "{% set l = ['x' * 20000] * 1000 %}{{ l|join }}",
    "replace with an empty needle": "{{ order.number|replace('', 'x' * 40000) }}",
    "namespace": "{% set ns = namespace(s='x') %}{{ ns.s }}",
    "deep nesting": "{{ " + "(" * 500 + "1" + ")" * 500 + " }}",
    "a long template": "x" * 20_001,
    "unclosed tags": "{%" * 10_000,
    "unclosed expressions": "{{" * 10_000,
}


@pytest.mark.parametrize("source", ATTACKS.values(), ids=ATTACKS.keys())
def test_a_template_that_would_run_away_fails_fast(source):
    started = time.monotonic()

    with pytest.raises(TemplateProblem):
        render("order_confirmation", "email", source, example_context("order_confirmation"))

    assert time.monotonic() - started < 0.5


def test_an_sms_is_cut_off_at_its_own_limit():
    error = problem("order_confirmation", "sms", "{% for i in range(300) %}{{ order.number }} {% endfor %}")

    assert error.kind == "too_long"
    assert str(error) == "The message is longer than 2,000 characters."


@pytest.mark.parametrize(
    "source", ["{{ 'x'.upper() }}", "{{ ''.__class__ }}", "{{ 'x'.center(9) }}", "{{ cycler }}"]
)
def test_the_sandbox_itself_refuses_methods_private_attributes_and_globals(source):
    """Defence in depth: the environment refuses these even for a template nobody checked."""
    env = templating.SellerEnvironment(templating.LIMITS[("sms", "body")])

    with pytest.raises((TemplateProblem, SecurityError)):
        env.from_string(source).render()


def test_runtime_problems_carry_the_line():
    error = problem("order_confirmation", "email", "Hello\n\n{{ order.total / 0 }}")

    assert (error.kind, error.line) == ("error", 3)


def test_context_values_must_be_plain_data():
    with pytest.raises(TypeError):
        render("order_confirmation", "email", "{{ order.number }}", {"order": {"number": object()}})


def test_a_dict_key_named_like_a_method_is_still_the_value():
    items = render(
        "order_confirmation",
        "email",
        "{% for item in order.items %}{{ item.name }};{% endfor %}",
        {"order": {"items": [{"name": "Mug", "quantity": "1", "total": "1"}]}},
    )

    assert items == "Mug;"


# --- the variables' documentation ------------------------------------------------------------


def test_every_event_documents_its_variables_with_examples_and_longest_values():
    for spec in EVENTS.values():
        for variable in spec.variables:
            assert str(variable.description)
            if variable.is_list:
                assert variable.examples and all(f.example and f.longest for f in variable.fields)
            else:
                assert variable.longest and variable.example, variable.name

    assert EVENTS["abandoned_cart"].channels == ("email",)
    assert EVENTS["courier_assignment"].recipient == "courier"
    assert longest_values("order_confirmation")["order.items.name"]
    assert example_context("order_confirmation")["order"]["number"] == "S000123"


def test_an_event_without_that_channel_has_no_template():
    with pytest.raises(ValueError):
        validate("abandoned_cart", "sms", "Come back")


# --- the defaults ----------------------------------------------------------------------------


def test_every_default_validates_and_renders_in_every_language():
    for event, spec in EVENTS.items():
        for channel in spec.channels:
            for language in LANGUAGES:
                subject, body = default_template(event, channel, language)

                validate(event, channel, body)
                assert render(event, channel, body, example_context(event))
                if channel == "email":
                    validate(event, channel, subject, field="subject")
                else:
                    assert subject is None


def test_english_sms_fit_one_gsm7_message_even_with_the_longest_values():
    for event, spec in EVENTS.items():
        if "sms" not in spec.channels:
            continue
        _, body = default_template(event, "sms", "en")

        text = render(event, "sms", body, longest_context(event, items=1))

        assert len(text) <= 160, (event, len(text))
        literal = render(event, "sms", body, _blank_context(event))
        assert set(literal) <= GSM7, (event, set(literal) - GSM7)


def _blank_context(event: str) -> dict:
    """Every variable empty but true-ish where a branch depends on it: the template's own text."""
    context = longest_context(event, items=1)
    for group in context.values():
        for key, value in group.items():
            if isinstance(value, str):
                group[key] = " "
    return context


# --- a real order ----------------------------------------------------------------------------


def test_order_context_gives_plain_values_of_a_real_order(make_sales_order, make_product):
    product = make_product(price="249.90", name="Mug")
    order = make_sales_order((product.variants[0], 2))
    db.session.flush()

    context = order_context(order, language="en", extra={"refund": {"amount": Decimal("10")}})

    json.dumps(context)  # plain data: the sandbox never sees an ORM object
    assert context["order"]["number"] == order.number
    assert context["order"]["url"].startswith("http") and context["order"]["url"].endswith(
        order.tracking_token
    )
    assert context["order"]["items"] == [{"name": "Mug – Size 0", "quantity": "2", "total": "TRY499.80"}]
    assert context["order"]["status"] == "New"
    assert context["order"]["payment_method"] == "Cash on delivery or at pickup"
    assert context["customer"] == {
        "name": "Ayşe Yılmaz",
        "first_name": "Ayşe",
        "email": "ayse@example.com",
        "phone": "+905321234567",
    }
    assert context["refund"]["amount"] == "TRY10.00"
    assert context["shop"]["url"].startswith("http")


def test_order_context_writes_money_and_dates_in_the_orders_language(make_sales_order):
    order = make_sales_order()

    turkish = order_context(order, language="tr")
    persian = order_context(order, language="fa")

    assert turkish["order"]["total"].startswith("₺")
    assert turkish["order"]["payment_method"] != "Cash on delivery or at pickup"
    assert any("۰" <= char <= "۹" for char in persian["order"]["total"])
    assert not any("0" <= char <= "9" for char in persian["order"]["date"])


def test_every_default_renders_for_a_real_order(make_sales_order):
    order = make_sales_order()
    extra = {
        "invoice": {"number": "FV/2026/000001", "url": "https://shop.example.com/invoice/1"},
        "refund": {"amount": Decimal("5")},
        "cart": {"restore_url": "https://shop.example.com/cart/restore/x"},
        "courier": {"name": "Mehmet Demir"},
        "return": {
            "number": "S000001-R1",
            "reason": "Wrong size or fit",
            "items": [{"name": "Mug – Blue", "quantity": "1"}],
            "rejection_reason": "Used.",
            "instructions": "Print the label.",
            "url": "https://shop.example.com/returns/x",
        },
        "exchange": {"order_number": "S000002", "order_url": "https://shop.example.com/orders/y"},
    }

    for language in LANGUAGES:
        context = order_context(order, language=language, extra=extra)
        for event, spec in EVENTS.items():
            for channel in spec.channels:
                subject, body = default_template(event, channel, language)
                assert render(event, channel, body, context)
                if subject:
                    assert render(event, channel, subject, context, field="subject")


def test_order_context_of_a_pickup_order_has_the_pickup_point(make_product, make_warehouse, make_cart):
    warehouse = make_warehouse()
    product = make_product(stock={warehouse: 5})
    order = sales.confirm_quotation(make_cart((product.variants[0], 1)), pickup_details(warehouse))
    db.session.flush()

    context = order_context(order, language="en")

    assert context["pickup"]["warehouse"] == warehouse.name["en"]
    assert context["pickup"]["address"] == warehouse.address["en"]
    assert context["pickup"]["hours"] == "10:00-19:00"
    assert context["pickup"]["date"]
    assert context["order"]["delivery_method"] == "Pickup at a warehouse"


def test_order_context_of_a_cart_fills_the_abandoned_cart_reminder(make_product, make_cart):
    cart = make_cart((make_product(price="100.00").variants[0], 3))
    cart.email = "guest@example.com"
    _, body = default_template("abandoned_cart", "email", "pl")

    context = order_context(cart, language="pl", extra={"cart.restore_url": "https://shop.example.com/c/x"})
    text = render("abandoned_cart", "email", body, context)

    assert "– Size 0, 3 szt.: 300,00\xa0TRY\nRazem: 300,00\xa0TRY" in text
    assert "https://shop.example.com/c/x" in text
    assert text.startswith("Dzień dobry,")


# --- the HTML e-mail -------------------------------------------------------------------------


def test_the_html_email_escapes_the_text_and_links_bare_urls():
    context = example_context("order_confirmation")
    context["customer"]["first_name"] = "<script>alert(1)</script>"
    _, body = default_template("order_confirmation", "email", "en")
    text = render("order_confirmation", "email", body, context)

    html = render_email_html(
        text, language="en", shop=context["shop"], subject="Your order", links=templating.shop_links(context)
    )

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://shop.example.com/orders/kT3vQ9mZbW1xLp8RfA2sYd0e"' in html
    assert 'dir="ltr"' in html and 'lang="en"' in html and 'dir="rtl"' not in html
    assert "<br>" in html and html.count("<p ") >= 5
    assert "max-width:600px" in html


def test_the_html_email_is_right_to_left_in_persian():
    context = example_context("delivery_done")
    _, body = default_template("delivery_done", "email", "fa")
    text = render("delivery_done", "email", body, context)

    html = render_email_html(text, language="fa", shop=context["shop"])

    assert '<html lang="fa" dir="rtl">' in html
    assert "text-align:right" in html
    assert "سفارش S000123 شما تحویل داده شد" in html


def test_a_url_at_the_end_of_a_sentence_is_linked_without_the_full_stop():
    html = render_email_html(
        "See https://example.com/a?b=1&c=2.",
        language="en",
        shop={"name": "Shop"},
        links={"https://example.com/a?b=1&c=2"},
    )

    assert '<a href="https://example.com/a?b=1&amp;c=2"' in html
    assert "</a>." in html
