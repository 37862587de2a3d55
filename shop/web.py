"""One place that decides between a full page and the htmx fragment that changed."""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(template: str, block: str, *, status: int = 200, **context) -> Response:
    html = render_block(template, block, **context) if is_htmx() else render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response
