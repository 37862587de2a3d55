"""The texts the shop sends (N2, N3), edited by admins: one e-mail and one SMS per event, in
each language, with the event's documented variables beside the editor and a preview.

A template is checked when it is saved (``templating.validate``: syntax, variables, filters,
a render with example and with longest values); one refused field refuses the whole form and
nothing is stored. A language left empty, or whose text is the shop's default word for word,
is stored empty: it sends the default, so later improvements of the defaults reach the shop.

The statuses' own texts (statuses.py) are checked by the same rules; the helpers they share
(``check_template``, ``editor_help``) live here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from shop.backoffice import bp
from shop.backoffice.access import admin_required
from shop.errors import NotFound
from shop.extensions import db
from shop.forms import ShopForm
from shop.i18n import LANGUAGE_NAMES, LANGUAGES
from shop.notifications import messages, templating
from shop.notifications.default_templates import default_template
from shop.notifications.messages import STATUS_EVENTS
from shop.notifications.models import MessageTemplate
from shop.notifications.sms_count import count, estimate
from shop.sales import services as sales
from shop.sales.models import Order, OrderState
from shop.web import is_htmx

LIST_TEMPLATE = "backoffice/messages/list.html"
EDIT_TEMPLATE = "backoffice/messages/edit.html"
PREVIEW_TEMPLATE = "backoffice/messages/_preview.html"
# STATUS_EVENTS (imported above) are sent as each status says; the templates edited here for
# them are the texts of statuses without their own.


# --- shared with the status editor ----------------------------------------------------------


def normalise(text: str | None) -> str:
    """A textarea's value as stored: LF line breaks (browsers send CR LF), no outer blanks."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def check_template(events: tuple[str, ...], channel: str, field: Any, *, kind: str = "body") -> bool:
    """Validate a form field's template for each event it is sent for; the first problem goes
    next to the field (line, name and what is wrong). True when the field is fine or empty."""
    source = normalise(field.data)
    if not source:
        return True
    for event in events:
        try:
            templating.validate(event, channel, source, field=kind)
        except templating.TemplateProblem as problem:
            field.errors = [*field.errors, str(problem)]
            return False
    return True


def sms_prices() -> tuple[dict[str, Decimal | None], str]:
    """The seller's price of one SMS segment at home and abroad (B14), for the live counter."""
    from shop.settings import services as settings

    configured = settings.current().sms_prices or {}
    prices: dict[str, Decimal | None] = {}
    for where in ("domestic", "foreign"):
        try:
            price = Decimal(str(configured.get(where)))
        except (InvalidOperation, ValueError, TypeError):
            price = None
        prices[where] = price if price is not None and price.is_finite() and price >= 0 else None
    return prices, str(configured.get("currency") or "PLN")


def editor_help(event: str) -> dict[str, Any]:
    """What a page with template fields shows beside them: the documented variables, and what
    the SMS counter needs (longest values, prices, the server's first count)."""
    spec = templating.event_spec(event)
    longest = templating.longest_values(spec)
    prices, currency = sms_prices()

    def sms_estimate(text: str) -> tuple[Any, bool]:
        return estimate(normalise(text), longest)

    return {
        "spec": spec,
        "longest": longest,
        "sms_prices": prices,
        "sms_currency": currency,
        "sms_estimate": sms_estimate,
    }


# --- the form -------------------------------------------------------------------------------


class MessageTemplateForm(ShopForm):
    """One event's message on one channel: on or off, and a subject (e-mails) and a text per
    language. The language fields are added below the class; an SMS form drops the subjects."""

    enabled = BooleanField(_l("Send this message"))
    preview_order = StringField(
        _l("Order number for the preview"),
        validators=[Length(max=20)],
        render_kw={"autocomplete": "off", "dir": "ltr", "inputmode": "text"},
    )

    def __init__(self, *args, channel: str, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.channel = channel
        for code in LANGUAGES:
            language = LANGUAGE_NAMES[code]
            if channel == "sms":
                del self[f"subject_{code}"]
                self[f"body_{code}"].label.text = _("SMS (%(language)s)", language=language)

    def subject(self, code: str) -> Any:
        return self._fields.get(f"subject_{code}")

    def body(self, code: str) -> Any:
        return self[f"body_{code}"]


def _language_fields() -> None:
    subject_max = templating.LIMITS[("email", "subject")].source
    body_max = templating.LIMITS[("email", "body")].source
    for code in LANGUAGES:
        language = LANGUAGE_NAMES[code]
        setattr(
            MessageTemplateForm,
            f"subject_{code}",
            StringField(
                _l("Subject (%(language)s)", language=language), validators=[Length(max=subject_max)]
            ),
        )
        setattr(
            MessageTemplateForm,
            f"body_{code}",
            TextAreaField(
                _l("Message (%(language)s)", language=language),
                validators=[Length(max=body_max)],
                render_kw={"rows": 12, "spellcheck": "false"},
            ),
        )


_language_fields()


# --- helpers --------------------------------------------------------------------------------


def _spec(event: str, channel: str) -> templating.EventSpec:
    spec = templating.EVENTS.get(event)
    if spec is None or channel not in spec.channels:
        raise NotFound()
    return spec


def _defaults(event: str, channel: str, code: str) -> tuple[str, str]:
    subject, body = default_template(event, channel, code)
    return normalise(subject), normalise(body)


def _fill(form: MessageTemplateForm, event: str, channel: str) -> None:
    form.enabled.data = messages.enabled(event, channel)
    for code in LANGUAGES:
        subject, body = messages.sources(event, channel, code)
        form.body(code).data = body
        if form.subject(code) is not None:
            form.subject(code).data = subject


def _texts(form: MessageTemplateForm) -> tuple[dict[str, str], dict[str, str]]:
    """The posted texts per language, line breaks normalised (messages.save_template decides
    what is worth storing)."""
    subjects = {
        code: normalise(form.subject(code).data) for code in LANGUAGES if form.subject(code) is not None
    }
    bodies = {code: normalise(form.body(code).data) for code in LANGUAGES}
    return subjects, bodies


def _changed(saved: MessageTemplate | None) -> bool:
    return saved is not None and (any((saved.subject or {}).values()) or any((saved.body or {}).values()))


def channel_label(channel: str) -> str:
    from shop.backoffice.outbox import channel_labels

    return channel_labels().get(channel, channel)


def recipient_label(spec: templating.EventSpec) -> str:
    return _("Sent to the courier") if spec.recipient == "courier" else _("Sent to the customer")


def _page(
    form: MessageTemplateForm,
    spec: templating.EventSpec,
    channel: str,
    *,
    status: int = 200,
    preview: dict | None = None,
    error: str = "",
):
    saved = messages.saved_template(spec.key, channel)
    return (
        render_template(
            EDIT_TEMPLATE,
            form=form,
            channel=channel,
            channel_label=channel_label(channel),
            recipient_label=recipient_label(spec),
            saved=saved,
            changed=_changed(saved),
            status_event=spec.key in STATUS_EVENTS,
            not_sent_yet=messages.NOT_SENT_YET.get(spec.key),
            languages=LANGUAGES,
            all_languages=LANGUAGE_NAMES,
            preview=preview,
            error=error,
            **editor_help(spec.key),
        ),
        status,
    )


# --- views ----------------------------------------------------------------------------------


@bp.get("/messages")
@admin_required
def message_templates():
    saved = {(t.event, t.channel.value): t for t in db.session.scalars(db.select(MessageTemplate))}
    rows = []
    for spec in templating.EVENTS.values():
        for channel in sorted(spec.channels):
            template = saved.get((spec.key, channel))
            rows.append(
                {
                    "spec": spec,
                    "channel": channel,
                    "channel_label": channel_label(channel),
                    "status_event": spec.key in STATUS_EVENTS,
                    "enabled": messages.enabled_by(template, spec.key, channel),
                    "not_sent_yet": messages.NOT_SENT_YET.get(spec.key),
                    "changed": _changed(template),
                    "template": template,
                }
            )
    return render_template(LIST_TEMPLATE, rows=rows, recipient_label=recipient_label)


@bp.route("/messages/<event>/<channel>", methods=["GET", "POST"])
@admin_required
def edit_message_template(event: str, channel: str):
    spec = _spec(event, channel)
    form = MessageTemplateForm(channel=channel)
    if not form.is_submitted():
        _fill(form, spec.key, channel)
        return _page(form, spec, channel)
    if not form.validate_on_submit():
        return _page(form, spec, channel, status=422)
    fine = True
    for code in LANGUAGES:
        if form.subject(code) is not None:
            fine = check_template((spec.key,), channel, form.subject(code), kind="subject") and fine
        fine = check_template((spec.key,), channel, form.body(code)) and fine
    if not fine:
        return _page(form, spec, channel, status=422)

    subjects, bodies = _texts(form)
    messages.save_template(
        spec.key,
        channel,
        subjects=subjects,
        bodies=bodies,
        enabled=None if spec.key in STATUS_EVENTS else bool(form.enabled.data),
        by_user_id=current_user.id,
    )
    try:
        db.session.commit()
    except IntegrityError:  # another admin saved the first version of it at the same moment
        db.session.rollback()
        return _page(
            form,
            spec,
            channel,
            status=409,
            error=_("Someone saved this message meanwhile; reload it and try again."),
        )
    flash(
        _("%(message)s (%(channel)s) saved.", message=spec.label, channel=channel_label(channel)),
        "success",
    )
    return redirect(url_for("backoffice.edit_message_template", event=spec.key, channel=channel), 303)


# --- preview --------------------------------------------------------------------------------


def _preview_order(number: str) -> tuple[Order | None, str]:
    """The order to fill the preview with: the one typed, else the newest sales order."""
    number = number.strip()
    if number:
        try:
            return sales.order_by_number(number.upper()), ""
        except NotFound:
            return None, _("No order has the number %(number)s.", number=number)
    order = db.session.scalar(
        db.select(Order)
        .where(Order.state == OrderState.SALES_ORDER)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(1)
    )
    return order, ""


def preview_context(event: str, language: str, order: Order | None) -> dict[str, Any]:
    """The order's values over the event's examples: an event's own values (a refund's amount,
    the courier's name) are not the order's, and show their example."""
    context = templating.example_context(event)
    if order is None:
        return context
    return templating.merge_groups(context, templating.order_context(order, language=language))


def render_preview(
    event: str,
    channel: str,
    language: str,
    subject_source: str,
    body_source: str,
    *,
    order_number: str = "",
    subject_label: str = "",
    body_label: str = "",
) -> dict[str, Any]:
    """Fill the texts in for one language, never saving; an empty text is the default's."""
    preview: dict[str, Any] = {"language": language, "order": None, "error": "", "line": None}
    order, problem = _preview_order(order_number)
    if problem:
        preview["error"] = problem
        return preview
    preview["order"] = order.number if order is not None else None
    default_subject, default_body = _defaults(event, channel, language)
    context = preview_context(event, language, order)
    try:
        subject, text, html = messages.render_sources(
            event,
            channel,
            language,
            context,
            normalise(subject_source) or default_subject,
            normalise(body_source) or default_body,
        )
    except templating.TemplateProblem as error:
        label = subject_label if error.field == "subject" else body_label
        preview["error"] = f"{label}: {error}" if label else str(error)
        preview["line"] = error.line
        preview["field"] = error.field
        return preview
    preview["subject"] = subject
    preview["text"] = text
    if channel == "email":
        preview["html"] = html
    else:
        preview["sms"] = count(text)
    return preview


@bp.post("/messages/<event>/<channel>/preview")
@admin_required
def preview_message_template(event: str, channel: str):
    spec = _spec(event, channel)
    form = MessageTemplateForm(channel=channel)
    language = request.form.get("preview_language", "")
    if language not in LANGUAGES:
        language = LANGUAGES[0]
    if not form.validate_on_submit():
        problems = [
            f"{form[name].label.text}: {' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
            if name in form._fields and name != "csrf_token"
        ]
        preview = {
            "language": language,
            "error": _("The form expired. Please send it again.")
            if form.csrf_token.errors
            else " ".join(problems),
        }
        status = 400 if form.csrf_token.errors else 422
    else:
        subject_field = form.subject(language)
        preview = render_preview(
            spec.key,
            channel,
            language,
            subject_field.data if subject_field is not None else "",
            form.body(language).data,
            order_number=form.preview_order.data or "",
            subject_label=str(subject_field.label.text) if subject_field is not None else "",
            body_label=str(form.body(language).label.text),
        )
        status = 422 if preview["error"] else 200
    if is_htmx():
        return render_template(PREVIEW_TEMPLATE, preview=preview, code=language, channel=channel), status
    return _page(form, spec, channel, status=status, preview=preview)
