"""One place that decides between a full page and the htmx fragment that changed."""

from __future__ import annotations

from flask import Response, current_app, make_response, render_template, request, session, url_for
from flask_login import login_user, logout_user
from jinja2_fragments.flask import render_block
from werkzeug.routing import UnicodeConverter

from shop.extensions import limiter


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(template: str, block: str, *, status: int = 200, **context) -> Response:
    html = render_block(template, block, **context) if is_htmx() else render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


class TextConverter(UnicodeConverter):
    """Every ``<name>`` in a URL (slugs, tracking tokens, order numbers): any text but a slash
    and control characters, so ``/p/%00`` is a 404 at routing and never a query (PostgreSQL
    refuses NUL in text). Installed as the app's default converter in create_app()."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002, ANN001, ANN002, ANN003
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]", 1)


def parse_id(value: object) -> int | None:
    """A database id from untrusted text: ASCII digits within the 32-bit key range, else None."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number < 2**31 else None


def public_link(endpoint: str, **values: object) -> str:
    """An absolute link for an e-mail, built on SHOP_URL, never on the request's Host header,
    which whoever sends the request chooses (a forged Host would otherwise send a secret link's
    token to their site)."""
    with current_app.test_request_context(base_url=current_app.config["SHOP_URL"]):
        return url_for(endpoint, _external=True, **values)


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


# What survives a login: the language, and the guest's order links. A logout keeps only the
# language: the next person at this browser must not find the previous one's orders.
_KEPT_AT_LOGIN = ("lang", "my_orders")
_KEPT_AT_LOGOUT = ("lang",)


def _fresh_session(keep: tuple[str, ...]) -> None:
    kept = {key: session[key] for key in keep if key in session}
    session.clear()
    session.update(kept)


def start_session(user) -> None:  # noqa: ANN001
    """Log in with a new session (no session fixation), keeping only the language and the like.
    The session is a row on the server (accounts.sessions); the cookie carries its token. A
    storefront session outlives the browser window (its lifetime is the server's to enforce);
    a back-office one ends with it. The caller commits."""
    from shop.accounts import sessions
    from shop.accounts.models import SessionArea

    _fresh_session(_KEPT_AT_LOGIN)
    sessions.open_session(user)
    session.permanent = sessions.area_of(user) == SessionArea.STOREFRONT
    login_user(user)


def end_session() -> None:
    """Log out: the server forgets the session, so a copy of the cookie opens nothing either;
    the browser keeps only its language. The caller commits."""
    from shop.accounts import sessions

    sessions.end_session(session.get("_user_id"))
    logout_user()
    _fresh_session(_KEPT_AT_LOGOUT)


def _login_rate() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_PER_ADDRESS"]


# Every form that checks a password or sends a reset link counts against one limit per address
# (Flask-Limiter; RATELIMIT_STORAGE_URI shares the counts between processes).
login_rate_limit = limiter.shared_limit(_login_rate, scope="login", methods=["POST"])


@limiter.request_filter
def _reads_are_not_limited() -> bool:
    """Every limit of the shop counts POSTs (the one above; the app has no default limit), so
    a page read with GET skips Flask-Limiter's look-up of the limits that might apply: a sixth
    of a storefront page's time. A limit on a GET would have to change this."""
    return request.method in ("GET", "HEAD")
