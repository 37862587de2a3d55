"""Language choice and locale-aware formatting: money, numbers, dates (Jalali in Persian)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jdatetime
from babel import Locale
from babel.dates import DateTimePattern, parse_pattern
from babel.dates import format_date as babel_format_date
from babel.numbers import NumberPattern, format_decimal
from flask import current_app, g, has_request_context, request, session, url_for
from flask_babel import get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from shop import money

LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe", "pl": "Polski", "fa": "فارسی"}
LANGUAGES = tuple(LANGUAGE_NAMES)  # every language the app has: sellers' texts are kept in these
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_RIGHT_TO_LEFT_ISOLATE, _POP_ISOLATE = "\u2067", "\u2069"


def enabled_languages() -> tuple[list[str], str]:
    """The languages the seller enabled (of those the app has) and the shop's default one."""
    from shop.settings import services as settings

    shop = settings.current()
    languages = [code for code in current_app.config["LANGUAGES"] if code in shop.enabled_languages]
    languages = languages or [current_app.config["BABEL_DEFAULT_LOCALE"]]
    default = shop.default_language if shop.default_language in languages else languages[0]
    return languages, default


def select_locale() -> str:
    """?lang= in the URL wins and is remembered; then the session, the account, the browser,
    the shop's default language. Only languages the seller enabled."""
    if not has_request_context():  # CLI and workers: the shop's default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages, default = enabled_languages()
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or default


@lru_cache(maxsize=32)
def _babel_locale(code: str) -> Locale:
    """Babel parses a locale string on every call it is given one (half the time of formatting
    a price); the order list formats a hundred values per page."""
    return Locale.parse(code)


@lru_cache(maxsize=32)
def _moment_pattern(code: str) -> DateTimePattern:
    """The medium date and the short time, as one pattern applied once (the order list shows
    fifty of them per page); the same text as formatting the two apart."""
    locale = _babel_locale(code)
    return parse_pattern(f"{locale.date_formats['medium'].pattern} {locale.time_formats['short'].pattern}")


@lru_cache(maxsize=32)
def _money_pattern(code: str) -> NumberPattern:
    return _babel_locale(code).currency_formats["standard"]


def locale_code() -> str:
    """The reader's language code. Once chosen for the request it is read straight from
    Flask-Babel's request state (force_locale sets the same attribute), not through
    get_locale()'s several context look-ups: a list page asks for it dozens of times."""
    try:
        locale = g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):  # not chosen yet, or no app context
        locale = None
    return str(locale or get_locale() or "en")


def text_direction(locale: str | None = None) -> str:
    return _babel_locale(locale or locale_code()).text_direction


def localize_digits(text: str, locale: str | None = None) -> str:
    """Babel keeps ASCII digits in Persian; Persian readers expect ۰-۹."""
    return text.translate(_PERSIAN_DIGITS) if (locale or locale_code()) == "fa" else text


# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits, as phones and keyboards type them.
_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)


def ascii_digits(text: str) -> str:
    """Typed numbers (tax IDs, prices) in ASCII digits, whatever keyboard wrote them."""
    return text.translate(_ASCII_DIGITS)


def format_money(
    amount: Decimal | int | None, currency: str, locale: str | None = None, *, exact: bool = False
) -> str:
    """An amount as the reader writes money. Rounded half up to the currency's minor unit first
    (money.round_money, the shop's one rule: Babel alone rounds half to even, 0.045 PLN would
    show 0,04 zł); with ``exact``, every decimal the amount has is kept instead, at least the
    currency's (an SMS cost at 0.045 a segment, already rounded by its own rule, shows 0,135 zł
    as sms-counter.js does). A rounded -0 shows as 0. A negative amount in a right-to-left
    language is isolated right to left, so its minus sits on the right, before the amount in
    reading order, whatever text surrounds it (Babel's own leading minus lands on the left
    after Latin text or in a left-to-right cell)."""
    locale = locale or locale_code()
    value = Decimal(amount or 0)
    minor = money.scale(currency)
    if exact and value.is_finite() and -value.normalize().as_tuple().exponent > minor:
        value = value.quantize(Decimal(1).scaleb(value.normalize().as_tuple().exponent))
    else:
        value = money.round_money(value, currency)
    if value.is_zero():
        value = abs(value)  # -0.00 is 0.00
    # What babel.numbers.format_currency does, with the locale's pattern looked up once; the
    # value is already rounded, so Babel shows its digits as they are.
    text = _money_pattern(locale).apply(
        value,
        _babel_locale(locale),
        currency=currency,
        currency_digits=True,
        decimal_quantization=not exact,  # exact: the currency's decimals at least, all it has
        numbering_system="default",
    )
    if value < 0 and text_direction(locale) == "rtl":
        text = f"{_RIGHT_TO_LEFT_ISOLATE}{text}{_POP_ISOLATE}"
    return localize_digits(text, locale)


def format_number(value: int | Decimal, locale: str | None = None) -> str:
    locale = locale or locale_code()
    return localize_digits(
        format_decimal(value, locale=_babel_locale(locale), numbering_system="default"), locale
    )


def format_day(value: date | datetime | None, locale: str | None = None, *, weekday: bool = False) -> str:
    """A calendar day: Jalali in Persian (1405/01/01 is 2026-03-21), Gregorian elsewhere."""
    if value is None:
        return ""
    locale = locale or locale_code()
    if isinstance(value, datetime):
        value = value.astimezone(get_timezone()).date()
    if locale == "fa":
        jalali = jdatetime.date.fromgregorian(date=value, locale=jdatetime.FA_LOCALE)
        return localize_digits(jalali.strftime("%A %d %B %Y" if weekday else "%d %B %Y"), locale)
    return babel_format_date(value, format="full" if weekday else "long", locale=_babel_locale(locale))


def shop_timezone() -> ZoneInfo:
    """The shop's timezone (SHOP_TIMEZONE): its days, its midnight."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def shop_today() -> date:
    """Today in the shop's timezone, not the server's: the first pickup day at checkout and
    "today" on the pickup board change at the shop's midnight."""
    return datetime.now(shop_timezone()).date()


def format_moment(value: datetime | None, locale: str | None = None) -> str:
    """A point in time in the shop's timezone."""
    if value is None:
        return ""
    locale = locale or locale_code()
    local = value.astimezone(get_timezone())
    if locale == "fa":
        jalali = jdatetime.datetime.fromgregorian(datetime=local, locale=jdatetime.FA_LOCALE)
        return localize_digits(jalali.strftime("%d %B %Y، %H:%M"), locale)
    return _moment_pattern(locale).apply(local, _babel_locale(locale))


def translated(texts: dict[str, str] | None, locale: str | None = None) -> str:
    """Pick a seller-written text in the reader's language, falling back to the shop's default
    language (the one the back office requires), then English, then any."""
    if not texts:
        return ""
    locale = locale or locale_code()
    found = texts.get(locale)
    if found:
        return found
    if has_request_context():  # the settings are read once per request anyway (select_locale)
        from shop.settings import services as settings

        found = texts.get(settings.current().default_language)
    return found or texts.get("en") or next(iter(texts.values()), "")


def country_name(code: str, locale: str | None = None) -> str:
    return _babel_locale(locale or locale_code()).territories.get(code, code)


def language_url(code: str) -> str:
    """This page in language ``code``, built by url_for from the route the address matches (GET),
    never from the raw path: ``/%5Cevil.example`` would give ``/\\evil.example``, which browsers
    read as another host. An address no page answers (a 404, a POST-only action) switches on the
    home page of its part of the shop."""
    if "language_link_base" not in g:  # one url_for for the footer's links, not one each
        endpoint, values = _page_for_language_links()
        g.language_link_base = url_for(endpoint, **values)
    # What url_for(endpoint, **values, lang=code) builds: values are all the route's own, so
    # lang is the only query argument.
    return f"{g.language_link_base}?{urlencode({'lang': code})}"


def _page_for_language_links() -> tuple[str, dict]:
    """The route of this address, matched once per request (the footer links every language)."""
    if "language_link_route" in g:
        return g.language_link_route
    if request.method == "GET" and request.url_rule is not None and request.routing_exception is None:
        route = (request.url_rule.endpoint, dict(request.view_args or {}))  # what routing found
    else:
        adapter = current_app.url_map.bind_to_environ(request.environ)
        try:
            route = adapter.match(method="GET")
        except HTTPException:  # no such page, or not one to GET (RequestRedirect is one too)
            route = ("backoffice.orders" if request.path.startswith("/admin") else "storefront.home", {})
    g.language_link_route = route
    return route


def init_app(app) -> None:
    app.jinja_env.globals["language_url"] = language_url
    app.jinja_env.filters.update(
        money=format_money,
        number=format_number,
        day=format_day,
        moment=format_moment,
        tr=translated,
        digits=localize_digits,
        country=country_name,
    )

    @app.context_processor
    def _locale_context() -> dict:
        locale = locale_code()
        return {
            "current_locale": locale,
            "text_direction": text_direction(locale),
            "language_names": {code: LANGUAGE_NAMES[code] for code in enabled_languages()[0]},
            **_template_gettext(get_translations()),
        }


def _template_gettext(translations) -> dict:  # noqa: ANN001
    """``_()`` and ``ngettext()`` of this render bound to the request's translations, found once:
    Flask-Babel's globals look them up again for every text (twenty on a list page). Same
    behaviour as Jinja's newstyle gettext: autoescaped, always %-formatted."""

    @pass_context
    def gettext(context, text: str, /, **variables) -> str:  # noqa: ANN001, ANN003  (any placeholder name)
        found = translations.ugettext(text)
        return (Markup(found) if context.eval_ctx.autoescape else found) % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, count: int, /, **variables) -> str:  # noqa: ANN001, ANN003
        variables.setdefault("num", count)
        found = translations.ungettext(singular, plural, count)
        return (Markup(found) if context.eval_ctx.autoescape else found) % variables

    return {"gettext": gettext, "ngettext": ngettext}
