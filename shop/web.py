"""One place that decides between a full page and the htmx fragment that changed."""

from __future__ import annotations

from flask import Response, make_response, render_template, request, session
from flask_login import login_user, logout_user
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


def parse_id(value: object) -> int | None:
    """A database id from untrusted text: ASCII digits within the 32-bit key range, else None."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number < 2**31 else None


def query_text(name: str, max_length: int = 100) -> str:
    """A free-text URL parameter (a search), cut to length and without control characters."""
    from shop.forms import CONTROL_CHARACTERS

    return CONTROL_CHARACTERS.sub("", request.args.get(name, ""))[:max_length].strip()


def safe_next(default: str, *, within: str = "/") -> str:
    """The ``?next=`` address to go back to after a login, if it is a path on this site under
    ``within``; otherwise ``default``. Not //host, and not /\\host, which browsers read as //host."""
    target = request.args.get("next", "")
    local = (
        target.startswith(within)
        and not target.startswith(("//", "/\\"))
        and "\\" not in target
        and target.isprintable()
    )
    return target if local else default


# What survives a login or a logout: the language, and the guest's order links.
_SESSION_KEEPS = ("lang", "my_orders")


def _fresh_session() -> None:
    keep = {key: session[key] for key in _SESSION_KEEPS if key in session}
    session.clear()
    session.update(keep)


def start_session(user) -> None:  # noqa: ANN001
    """Log in with a new session (no session fixation), keeping only the language and the like."""
    _fresh_session()
    login_user(user)


def end_session() -> None:
    """Log out and forget everything the session held but the language and the like."""
    logout_user()
    _fresh_session()
