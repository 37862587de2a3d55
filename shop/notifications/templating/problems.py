"""The one error of seller templates: what is wrong, where (line) and with what (name), in
words a seller understands; raised at save time, in the preview and when a message is written."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from shop.errors import ShopError


class TemplateProblem(ShopError):
    """A template that cannot be saved or rendered. ``kind`` says why (stable, for code and
    tests), ``line`` where (None if not known), ``name`` what (variable, filter, tag)."""

    code = "template_problem"
    http_status = 422
    field = "body"

    def __init__(
        self,
        kind: str,
        *,
        line: int | None = None,
        name: str | None = None,
        field: str | None = None,
        **data: Any,
    ) -> None:
        super().__init__(None, field=field, **data)
        self.kind = kind
        self.line = line
        self.name = name

    def _problem(self) -> str:
        from shop.i18n import format_number

        name = self.name or "…"
        data = self.data
        limit = format_number(data.get("max", 0))
        if self.kind == "syntax":
            return gettext("This is not valid template syntax (%(detail)s).", detail=data.get("detail", ""))
        if self.kind == "unknown_variable":
            if data.get("suggestion"):
                return gettext(
                    "Unknown variable %(name)s. Did you mean %(suggestion)s?",
                    name=name,
                    suggestion=data["suggestion"],
                )
            return gettext("Unknown variable %(name)s.", name=name)
        if self.kind == "group":
            return gettext(
                "%(name)s is a group of variables: use one of them, for example %(example)s.",
                name=name,
                example=data.get("example") or f"{name}.…",
            )
        if self.kind == "list" and self.name is None:
            return gettext("A list cannot be shown as it is: show its items with a {%% for %%} loop.")
        if self.kind == "list":
            return gettext(
                "%(name)s is a list: show its items with {%% for item in %(name)s %%}…{%% endfor %%}.",
                name=name,
            )
        if self.kind == "unknown_filter":
            return gettext("Unknown filter %(name)s.", name=name)
        if self.kind == "unknown_test":
            return gettext("Unknown test %(name)s.", name=name)
        if self.kind == "tag":
            return gettext("{%% %(name)s %%} cannot be used in notification templates.", name=name)
        if self.kind == "unknown_function":
            return gettext("Unknown function %(name)s(); only range() can be called.", name=name)
        if self.kind == "call":
            return gettext(
                "%(name)s() cannot be called; use a filter instead, for example {{ order.number|upper }}.",
                name=name,
            )
        if self.kind == "unsafe":
            return gettext("%(name)s is not allowed in notification templates.", name=name)
        if self.kind == "not_text":
            return gettext("This value cannot be shown as text.")
        if self.kind == "range":
            return gettext("range() can count to at most %(max)s.", max=limit)
        if self.kind == "too_many_loops":
            return gettext("The loops repeat more than %(max)s times in all.", max=limit)
        if self.kind == "too_large":
            return gettext("This builds a text or a number larger than %(max)s characters.", max=limit)
        if self.kind == "too_long":
            return gettext("The message is longer than %(max)s characters.", max=limit)
        if self.kind == "source_too_long":
            return gettext("The template is longer than %(max)s characters.", max=limit)
        if self.kind == "compare_too_large":
            return gettext("This compares values longer than %(max)s characters.", max=limit)
        if self.kind == "literal_items":
            return gettext("A list written in the template may have at most %(max)s items.", max=limit)
        if self.kind == "literal_text":
            return gettext("A text in quotes may have at most %(max)s characters.", max=limit)
        if self.kind == "dict_key":
            return gettext("The keys of a dictionary must be texts or numbers written as they are.")
        if self.kind == "too_slow":
            return gettext("The template takes too long to fill in.")
        if self.kind == "too_deep":
            return gettext("The template is nested too deeply.")
        if self.kind == "empty":
            return gettext("The message is empty.")
        return gettext("This cannot be filled in (%(detail)s).", detail=data.get("detail", ""))

    def describe(self) -> str:
        if self.line is None:
            return self._problem()
        from shop.i18n import localize_digits

        return gettext(
            "Line %(line)s: %(problem)s", line=localize_digits(str(self.line)), problem=self._problem()
        )

