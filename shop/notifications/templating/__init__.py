"""Seller-edited e-mail and SMS templates: the events, their documented variables, and a
bounded sandbox that renders them.

Sellers write Jinja (``{{ order.number }}``, ``{% for item in order.items %}``). A template is
checked when it is saved (``validate``): syntax, every variable and filter against the event's
documented list, no features a message does not need, no large literals; then it is rendered
once with example values and once with the longest ones. Rendering (``render``) runs in a
``SandboxedEnvironment`` with caps on everything a template could grow or walk: operators,
comparisons, filters, loops, output length and time (checked between operations), and in a
child process killed after a hard time limit, which one long operation cannot escape. Every
failure is one ``TemplateProblem`` with the line and the offending name, in words a seller
understands.

The parts, each readable on its own:

- ``events``: the events, their variables, example and longest values;
- ``problems``: TemplateProblem;
- ``sandbox``: the environment, its limits, and filling a compiled template in;
- ``validation``: the checks of a template's parse tree, compiling, and ``validate``;
- ``isolation``: the child process and its hard time limit;
- ``rendering``: ``render``, the values of a real order (``order_context``), the snapshot
  of those values kept with a queued message;
- ``email_html``: the HTML part of an e-mail, where only the shop's own links are clickable.
"""

from shop.notifications.templating.email_html import render_email_html
from shop.notifications.templating.events import (
    EVENTS,
    LINK_VARIABLES,
    EventSpec,
    Variable,
    event_spec,
    example_context,
    longest_context,
    longest_values,
)
from shop.notifications.templating.problems import TemplateProblem
from shop.notifications.templating.rendering import (
    merge_groups,
    order_context,
    render,
    render_fields,
    shop_links,
    snapshot,
)
from shop.notifications.templating.sandbox import (
    COMPARE_MAX,
    LIMITS,
    RENDER_SECONDS,
    Limits,
    SellerEnvironment,
)
from shop.notifications.templating.validation import (
    LITERAL_ITEMS_MAX,
    LITERAL_TEXT_MAX,
    validate,
)

__all__ = [
    "COMPARE_MAX",
    "EVENTS",
    "LIMITS",
    "LINK_VARIABLES",
    "LITERAL_ITEMS_MAX",
    "LITERAL_TEXT_MAX",
    "RENDER_SECONDS",
    "EventSpec",
    "Limits",
    "SellerEnvironment",
    "TemplateProblem",
    "Variable",
    "event_spec",
    "example_context",
    "longest_context",
    "longest_values",
    "merge_groups",
    "order_context",
    "render",
    "render_email_html",
    "render_fields",
    "shop_links",
    "snapshot",
    "validate",
]
