"""The sandbox a seller's template runs in, and its limits.

``SellerEnvironment`` is Jinja's ``SandboxedEnvironment`` narrowed to what a message needs: no
methods, no globals but a small ``range``, vetted filters and tests, and operators that check
the size of what they would build or compare before doing it. The values a template sees are
plain data in read-only records. ``fill`` runs a compiled template within the loop budget, the
output limit and the cooperative clock (``RENDER_SECONDS``); the hard wall-clock limit, which
one long C-level operation cannot escape, is ``isolation``'s.
"""

from __future__ import annotations

import contextvars
import functools
import operator
import re
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.filters import FILTERS, make_attrgetter
from jinja2.runtime import LoopContext, Undefined
from jinja2.sandbox import SandboxedEnvironment
from jinja2.tests import TESTS

from shop.notifications.templating.events import nested
from shop.notifications.templating.problems import TemplateProblem

# --- limits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    source: int  # characters of template
    output: int  # characters of rendered text; also the largest value an operator may build


LIMITS: dict[tuple[str, str], Limits] = {
    # An e-mail lists every line of the order: room for a few hundred lines, still small memory.
    ("email", "body"): Limits(source=20_000, output=50_000),
    ("email", "subject"): Limits(source=1_000, output=300),
    ("sms", "body"): Limits(source=2_000, output=2_000),
}
RANGE_MAX = 1_000  # range() in a template
LOOP_MAX = 10_000  # iterations of all loops of one render together
INT_BITS_MAX = 4_096  # the largest integer an operator may build (about 1,200 digits)
RENDER_SECONDS = 1.0  # a render that takes longer is stopped (checked between operations)
# Both sides of a comparison (``==``, ``<``, ``in``, the ``eq`` test, ``loop.changed``) weigh at
# most this together: comparing nested lists walks every item in C, which no clock can stop, so
# ``a == b`` over six levels of ten-fold lists of long texts would take seconds.
COMPARE_MAX = 100_000

_LOOP_ATTRIBUTES = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
        "cycle",
        "changed",
    }
)
_LOOP_METHODS = frozenset({"cycle", "changed"})
_TAGS = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Block: "block",
    nodes.AssignBlock: "set … endset",
    nodes.FilterBlock: "filter",
    nodes.ScopedEvalContextModifier: "autoescape",
    nodes.EvalContextModifier: "autoescape",
    nodes.ExprStmt: "do",
    nodes.Break: "break",
    nodes.Continue: "continue",
}
# Filters a seller may use. Left out: those that build text of any size from a small input
# (center, indent, wordwrap, format, batch, slice), reach into objects (attr, pprint, tojson,
# xmlattr, dictsort, items), are HTML (safe, escape, striptags, urlize) or random.
SELLER_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "float",
    "int",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "select",
    "selectattr",
    "sort",
    "string",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "urlencode",
    "wordcount",
)
SELLER_TESTS = (
    "!=",
    "<",
    "<=",
    "==",
    ">",
    ">=",
    "boolean",
    "defined",
    "divisibleby",
    "eq",
    "equalto",
    "even",
    "false",
    "float",
    "ge",
    "greaterthan",
    "gt",
    "in",
    "integer",
    "le",
    "lessthan",
    "lower",
    "lt",
    "ne",
    "none",
    "number",
    "odd",
    "string",
    "true",
    "undefined",
    "upper",
)
# Filters through which a list keeps its items (so ``item.name`` stays checked).
_ITEM_KEEPING_FILTERS = frozenset(
    {"list", "reverse", "sort", "unique", "select", "reject", "selectattr", "rejectattr"}
)


# --- what a template sees: plain values in read-only records -------------------------------


class _Record:
    """A group of values (``order``, an item of ``order.items``). Read through the sandbox's
    getattr only; it has no methods a template could reach, unlike a dict's ``items``."""

    __slots__ = ("_path", "_values")

    def __init__(self, path: str, values: dict[str, Any]) -> None:
        self._path = path
        self._values = values

    def __str__(self) -> str:
        example = next(iter(self._values), "")
        raise TemplateProblem(
            "group", name=self._path or None, example=f"{self._path}.{example}" if self._path else None
        )

    def __repr__(self) -> str:
        return f"<{self._path or 'item'}>"

    def __iter__(self) -> Iterator[Any]:
        raise TemplateProblem("group", name=self._path or None)

    def __bool__(self) -> bool:
        return True


def _plain(value: Any, path: str) -> Any:
    if isinstance(value, _Record) or value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return _Record(
            path,
            {str(key): _plain(item, f"{path}.{key}" if path else str(key)) for key, item in value.items()},
        )
    if isinstance(value, list | tuple):
        return tuple(_plain(item, "") for item in value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{path}: a {type(value).__name__} cannot go into a template; pass plain values")


def _template_values(context: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _plain(value, name) for name, value in nested(context).items()}


class _Missing(StrictUndefined):
    """An unknown or unsafe name: fails, when used, with a TemplateProblem naming it."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        if self._undefined_exception is SecurityError:
            raise TemplateProblem("unsafe", name=str(self._undefined_name or ""))
        owner = self._undefined_obj
        name = str(self._undefined_name) if self._undefined_name is not None else None
        if isinstance(owner, _Record) and owner._path and name is not None:
            name = f"{owner._path}.{name}"
        raise TemplateProblem("unknown_variable", name=name, detail=self._undefined_message)


# Undefined binds its failing operators (str, iteration, +, ==, ...) to the base method when
# the class is made: point them at ours.
for _operator, _value in (*vars(Undefined).items(), *vars(StrictUndefined).items()):
    if _value is Undefined._fail_with_undefined_error and _operator.startswith("__"):
        setattr(_Missing, _operator, lambda self, *args, **kwargs: self._fail_with_undefined_error())


def _weight(value: Any, limit: int) -> int:
    """About how many characters ``str(value)`` has; stops counting past ``limit``."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if isinstance(value, list | tuple):
        total = 2
        for item in value:
            total += _weight(item, limit) + 2
            if total > limit:
                break
        return total
    if isinstance(value, Mapping):  # a dict literal: its keys and values
        total = 2
        for key, item in value.items():
            total += _weight(key, limit) + _weight(item, limit) + 4
            if total > limit:
                break
        return total
    return 32


# --- the render state: one per render, for the loop budget and the time limit -------------


class _RenderState:
    __slots__ = ("deadline", "loops")

    def __init__(self) -> None:
        self.deadline = time.monotonic() + RENDER_SECONDS
        self.loops = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateProblem("too_slow")


_STATE: contextvars.ContextVar[_RenderState | None] = contextvars.ContextVar("template_render", default=None)


def _check_time() -> None:
    state = _STATE.get()
    if state is not None:
        state.check_time()


@pass_context
def _budget(context: Any, iterable: Iterable[Any]) -> Iterator[Any]:
    """Wraps every ``{% for %}``: counts iterations of the whole render and checks the clock."""
    state = _STATE.get()
    for item in iterable:
        if state is not None:
            state.loops += 1
            if state.loops > LOOP_MAX:
                raise TemplateProblem("too_many_loops", max=LOOP_MAX)
            state.check_time()
        yield item


def _range(*args: int) -> range:
    numbers = range(*args)
    try:
        size = len(numbers)
    except OverflowError:
        size = RANGE_MAX + 1
    if size > RANGE_MAX:
        raise TemplateProblem("range", max=RANGE_MAX)
    return numbers


def _finalize(value: Any) -> Any:
    """What ``{{ ... }}`` may print: text and numbers (an unknown name fails when printed)."""
    if value is None or isinstance(value, str | int | float | Decimal | Undefined | _Record):
        return value
    if isinstance(value, list | tuple):
        raise TemplateProblem("list")
    raise TemplateProblem("not_text")


# --- the environment -----------------------------------------------------------------------


_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gteq": operator.ge,
    "lt": operator.lt,
    "lteq": operator.le,
    "in": lambda item, container: item in container,
    "notin": lambda item, container: item not in container,
}


class _CodeGenerator(CodeGenerator):
    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # ``a ~ b`` builds text too: through the same size check as ``+``.
        self.write("environment.concat_bounded((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")

    @optimizeconst
    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        # ``a == b``, ``a < b < c``, ``a in b``: through the size check of compare_bounded.
        # (Constant comparisons were folded by @optimizeconst: their literals are small.)
        self.write("environment.compare_bounded(")
        self.visit(node.expr, frame)
        for operand in node.ops:
            self.write(f", {operand.op!r}, ")
            self.visit(operand.expr, frame)
        self.write(")")


class SellerEnvironment(SandboxedEnvironment):
    """A sandbox that bounds what a seller's template can build: no methods, no globals but a
    small ``range``, vetted filters, size-checked operators; loops and time are bounded by
    ``fill``. Text only: no autoescape (the HTML e-mail escapes the rendered text)."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, limits: Limits) -> None:
        super().__init__(
            undefined=_Missing,
            autoescape=False,
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,
            cache_size=0,
        )
        self.limits = limits
        self.globals.clear()
        self.globals["range"] = _range
        self.filters = {name: self._guarded(FILTERS[name]) for name in SELLER_FILTERS}
        self.filters.update(join=self._join, replace=self._replace, sum=self._sum, _budget=_budget)
        self.tests = {name: self._compared(TESTS[name]) for name in SELLER_TESTS}

    # Values --------------------------------------------------------------------------------

    def _too_large(self) -> TemplateProblem:
        return TemplateProblem("too_large", max=self.limits.output)

    def _check_size(self, *values: Any) -> None:
        limit = self.limits.output
        if sum(_weight(value, limit) for value in values) > limit:
            raise self._too_large()

    def _check_compare(self, *values: Any) -> None:
        if sum(_weight(value, COMPARE_MAX) for value in values) > COMPARE_MAX:
            raise TemplateProblem("compare_too_large", max=COMPARE_MAX)

    def compare_bounded(self, left: Any, *chain: Any) -> Any:
        """``left op1 right1 op2 right2 ...`` as Python compares it, each pair size-checked
        first. Unlike Python, every operand has been evaluated already (they have no effects)."""
        _check_time()
        result: Any = True
        for position in range(0, len(chain), 2):
            operator_, right = chain[position], chain[position + 1]
            self._check_compare(left, right)
            result = _COMPARISONS[operator_](left, right)
            if not result:
                return result
            left = right
        return result

    def concat_bounded(self, parts: tuple[Any, ...]) -> str:
        _check_time()
        for part in parts:
            if isinstance(part, list | tuple):
                raise TemplateProblem("list")
        self._check_size(*parts)
        return "".join(str(part) for part in parts)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_time()
        sequence = (str, list, tuple)
        if operator == "%" and isinstance(left, str):
            raise TemplateProblem("unsafe", name="%")
        if operator == "+" and isinstance(left, sequence) and isinstance(right, sequence):
            self._check_size(left, right)
        if operator == "*":
            for items, times in ((left, right), (right, left)):
                if isinstance(items, sequence) and isinstance(times, int):
                    if times > 0 and _weight(items, self.limits.output) * times > self.limits.output:
                        raise self._too_large()
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > INT_BITS_MAX:
                    raise self._too_large()
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if abs(left) > 1 and (left.bit_length() - 1) * right > INT_BITS_MAX:
                raise self._too_large()
        return super().call_binop(context, operator, left, right)

    # Attributes and calls ------------------------------------------------------------------

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, _Record):
            return self._record_value(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, _Record):
            return self._record_value(obj, str(argument))
        if isinstance(argument, tuple):  # a dict looks it up by its hash, which walks it all
            self._check_compare(argument)
        return super().getitem(obj, argument)

    def _record_value(self, record: _Record, name: str) -> Any:
        if name.startswith("_"):
            return self.undefined(obj=record, name=name, exc=SecurityError)
        try:
            return record._values[name]
        except KeyError:
            return self.undefined(obj=record, name=name)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Only the loop's attributes: strings' and numbers' methods stay out of reach.
        return isinstance(obj, LoopContext) and attr in _LOOP_ATTRIBUTES

    def is_safe_callable(self, obj: Any) -> bool:
        if obj is _range:
            return True
        return (
            isinstance(obj, types.MethodType)
            and isinstance(obj.__self__, LoopContext)
            and obj.__func__.__name__ in _LOOP_METHODS
        )

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format is a method like the others: not reachable

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        # loop.changed(x) compares x with the previous item's: size-checked like ``==``.
        self._check_compare(*args, *kwargs.values())
        return super().call(context, obj, *args, **kwargs)

    # Filters -------------------------------------------------------------------------------

    def _guarded(self, filter_: Callable[..., Any]) -> Callable[..., Any]:
        """The filter, refusing inputs that print too large and text results past the limit."""
        passes_first = getattr(filter_, "jinja_pass_arg", None) is not None

        @functools.wraps(filter_)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            _check_time()
            self._check_size(*(args[1:] if passes_first else args), *kwargs.values())
            result = filter_(*args, **kwargs)
            if isinstance(result, str) and len(result) > self.limits.output:
                raise self._too_large()
            return result

        return guarded

    def _compared(self, test: Callable[..., Any]) -> Callable[..., Any]:
        """The test (``is eq``, ``is in`` ...), refusing values too large to compare."""

        @functools.wraps(test)
        def compared(*args: Any, **kwargs: Any) -> Any:
            _check_time()
            self._check_compare(*args, *kwargs.values())
            return test(*args, **kwargs)

        return compared

    def _join(self, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> str:
        _check_time()
        if attribute is not None:
            value = map(make_attrgetter(self, attribute), value)
        separator = str(d)
        parts: list[str] = []
        size = 0
        for item in value:
            if isinstance(item, list | tuple):
                raise TemplateProblem("list")
            self._check_size(item)
            text = str(item)
            size += len(text) + len(separator)
            if size > self.limits.output + len(separator):
                raise self._too_large()
            parts.append(text)
        return separator.join(parts)

    def _replace(self, value: Any, old: Any, new: Any, count: int | None = None) -> str:
        _check_time()
        self._check_size(value, old, new)
        text, old, new = str(value), str(old), str(new)
        times = len(text) + 1 if old == "" else text.count(old)
        if count is not None:
            times = min(times, max(int(count), 0))
        if len(text) + times * (len(new) - len(old)) > self.limits.output:
            raise self._too_large()
        return text.replace(old, new, -1 if count is None else max(int(count), 0))

    def _sum(self, iterable: Iterable[Any], attribute: str | int | None = None, start: Any = 0) -> Any:
        _check_time()
        if not isinstance(start, int | float) or isinstance(start, bool):
            raise TemplateProblem("unsafe", name="sum(start=…)")
        if attribute is not None:
            iterable = map(make_attrgetter(self, attribute), iterable)
        total = start
        for item in iterable:
            if not isinstance(item, int | float | Decimal):
                raise TemplateProblem("not_text", detail="sum")
            total = self.call_binop(None, "+", total, item)
        return total


_ENVIRONMENTS: dict[tuple[str, str], SellerEnvironment] = {}


def _environment(channel: str, field: str) -> SellerEnvironment:
    key = (channel, field)
    if key not in LIMITS:
        raise ValueError(f"no templates for the {field} of {channel!r} messages")
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = SellerEnvironment(LIMITS[key])
    return _ENVIRONMENTS[key]



# --- filling a compiled template in ------------------------------------------------------


def template_values(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context (nested or dotted names, plain values) as the template sees it; TypeError
    for a value that is not plain data."""
    return _template_values(context)


def _template_line(error: BaseException) -> int | None:
    """The template line an exception came from (Jinja rewrites tracebacks to point there)."""
    line = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_WHITESPACE = re.compile(r"\s+")


def _tidy(text: str, field: str) -> str:
    if field == "subject":  # one line: a line break in a header is refused (or an injection)
        return _WHITESPACE.sub(" ", text).strip()
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def fill(template: Any, values: dict[str, Any], *, limit: int, field: str) -> str:
    """The text of a compiled template with ``values`` (from ``template_values``), within the
    loop budget, the output ``limit`` and the cooperative clock. Raises TemplateProblem."""
    token = _STATE.set(_RenderState())
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(values):
            size += len(chunk)
            if size > limit:
                raise TemplateProblem("too_long", max=limit)
            _check_time()
            parts.append(chunk)
    except TemplateProblem as problem:
        if problem.line is None:
            problem.line = _template_line(problem)
        problem.field = field
        raise problem.with_traceback(None) from None
    except SecurityError as error:
        raise TemplateProblem(
            "unsafe", line=_template_line(error), field=field, detail=str(error)[:200]
        ) from None
    except UndefinedError as error:
        raise TemplateProblem(
            "unknown_variable", line=_template_line(error), field=field, detail=str(error)[:200]
        ) from None
    except RecursionError as error:
        raise TemplateProblem("too_deep", line=_template_line(error), field=field) from None
    except Exception as error:  # a TypeError, ZeroDivisionError ... of the seller's template
        detail = f"{type(error).__name__}: {error}"[:200]
        raise TemplateProblem("error", line=_template_line(error), field=field, detail=detail) from None
    finally:
        _STATE.reset(token)
    return _tidy("".join(parts), field)
