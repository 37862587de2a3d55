"""Checking a seller's template before it runs: at save time (``validate``) and again each
time it is compiled for rendering (``compile_template``), so a template stored some other way
(a status's own text, an older version of these rules) is held to the same rules.

The checks walk Jinja's parse tree before Jinja compiles it: the compiler folds constant
expressions (``[[1, 2]] == [[1, 2]]`` is computed while compiling), so a literal too large to
handle must be refused before that. Then: every variable, filter and test against the event's
documented list, with the line and a suggestion for a misspelt name; no tags a message does
not need (extends, macro, import ...).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from typing import Any

from jinja2 import TemplateSyntaxError, nodes

from shop.notifications.templating import isolation
from shop.notifications.templating.events import EventSpec, event_spec, example_context, longest_context
from shop.notifications.templating.problems import TemplateProblem
from shop.notifications.templating.sandbox import (
    _ITEM_KEEPING_FILTERS,
    _LOOP_ATTRIBUTES,
    _TAGS,
    LIMITS,
    SELLER_FILTERS,
    SELLER_TESTS,
    _environment,
    fill,
    template_values,
)

# Literals written in a template: items of a list, tuple or dict (nested ones counted in), and
# characters of a text in quotes. A message needs a few of either, never thousands.
LITERAL_ITEMS_MAX = 100
LITERAL_TEXT_MAX = 1_000

def _chain(node: nodes.Node) -> tuple[nodes.Name, list[str]] | None:
    """``order.items`` / ``order['number']`` as (Name order, [attributes]); None if not a chain."""
    attributes: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            attributes.append(node.attr)
            node = node.node
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            attributes.append(node.arg.value)
            node = node.node
        else:
            break
    if isinstance(node, nodes.Name):
        return node, attributes[::-1]
    return None


_STATEMENTS = (nodes.Output, nodes.For, nodes.If, nodes.Assign, nodes.With)
_EXPRESSIONS = (
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Slice,
    nodes.Call,
    nodes.Filter,
    nodes.Test,
    nodes.CondExpr,
    nodes.BinExpr,
    nodes.UnaryExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
    nodes.Const,
    nodes.TemplateData,
    nodes.List,
    nodes.Tuple,
    nodes.Dict,
    nodes.Pair,
    nodes.Keyword,
)


def _literal_items(node: nodes.Node) -> int:
    """How many items a list, tuple or dict literal holds, those of literals inside it included."""
    if isinstance(node, nodes.List | nodes.Tuple):
        children = node.items
    elif isinstance(node, nodes.Dict):
        children = [part for pair in node.items for part in (pair.key, pair.value)]
    else:
        return 0
    return sum(1 + _literal_items(child) for child in children)


def _names(target: nodes.Node) -> list[nodes.Name]:
    return [target] if isinstance(target, nodes.Name) else list(target.find_all(nodes.Name))


# A local name: None (set by the template, not checked) or the documented list it iterates.
_Scope = dict[str, str | None]
_LOOP = "\0loop"


class _Checker:
    """Walks a parsed template: refuses what notification templates may not use and, when an
    event is given, every variable, filter and test that is not documented for it."""

    def __init__(self, spec: EventSpec, field: str) -> None:
        self.spec = spec
        self.field = field
        self.prefixes = {
            ".".join(name.split(".")[:i]) for name in spec.names for i in range(1, name.count(".") + 1)
        }

    def fail(self, kind: str, node: nodes.Node | None, **data: Any) -> TemplateProblem:
        return TemplateProblem(kind, line=getattr(node, "lineno", None), field=self.field, **data)

    def check(self, template: nodes.Template) -> None:
        self.statements(template.body, {})

    # Statements ----------------------------------------------------------------------------

    def statements(self, body: list[nodes.Node], scope: _Scope) -> None:
        for node in body:
            self.statement(node, scope)

    def statement(self, node: nodes.Node, scope: _Scope) -> None:
        if not isinstance(node, _STATEMENTS):
            tag = next(
                (tag for kind, tag in _TAGS.items() if isinstance(node, kind)), type(node).__name__.lower()
            )
            raise self.fail("tag", node, name=tag)
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                self.shown(child, scope)
        elif isinstance(node, nodes.For):
            if node.recursive:
                raise self.fail("tag", node, name="for … recursive")
            self.expression(node.iter, scope)
            inner = dict(scope)
            inner["loop"] = _LOOP
            items = self.list_of(node.iter, scope)
            for target in _names(node.target):
                inner[target.name] = items if isinstance(node.target, nodes.Name) else None
            if node.test is not None:
                self.expression(node.test, inner)
            self.statements(node.body, inner)
            self.statements(node.else_, scope)
        elif isinstance(node, nodes.If):
            self.expression(node.test, scope)
            self.statements(node.body, scope)
            for branch in node.elif_:
                self.statement(branch, scope)
            self.statements(node.else_, scope)
        elif isinstance(node, nodes.Assign):
            self.expression(node.node, scope)
            self.bind(node.target, scope)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=False):
                self.expression(value, scope)
                self.bind(target, inner)
            self.statements(node.body, inner)

    def bind(self, target: nodes.Node, scope: _Scope) -> None:
        if isinstance(target, nodes.NSRef):
            raise self.fail("unknown_variable", target, name=f"{target.name}.{target.attr}")
        for name in _names(target):
            scope[name.name] = None

    def shown(self, node: nodes.Node, scope: _Scope) -> None:
        """``{{ ... }}``: a documented group or list cannot be printed as it is."""
        found = _chain(node)
        if found is not None and not found[1] and scope.get(found[0].name) not in (None, _LOOP):
            item = found[0].name
            raise self.fail("group", node, name=item, example=f"{item}.name")
        if found is not None and found[0].name not in scope:
            path = ".".join([found[0].name, *found[1]])
            variable = self.spec.variable(path)
            if variable is not None and variable.is_list:
                raise self.fail("list", node, name=path)
            if variable is None and path in self.prefixes:
                example = next(name for name in self.spec.names if name.startswith(path + "."))
                raise self.fail("group", node, name=path, example=example)
        self.expression(node, scope)

    # Expressions ---------------------------------------------------------------------------

    def list_of(self, node: nodes.Node, scope: _Scope) -> str | None:
        """The documented list ``node`` iterates (through item-keeping filters), if any."""
        while isinstance(node, nodes.Filter) and node.name in _ITEM_KEEPING_FILTERS and node.node is not None:
            node = node.node
        found = _chain(node)
        if found is None or found[0].name in scope:
            return None
        variable = self.spec.variable(".".join([found[0].name, *found[1]]))
        return variable.name if variable is not None and variable.is_list else None

    def expression(self, node: nodes.Node | None, scope: _Scope) -> None:
        if node is None:
            return
        if not isinstance(node, _EXPRESSIONS):
            raise self.fail("unsafe", node, name=type(node).__name__)
        self.literal(node)
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            raise self.fail("unsafe", node, name=node.attr)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            if isinstance(node.arg.value, str) and node.arg.value.startswith("_"):
                raise self.fail("unsafe", node, name=node.arg.value)
        found = _chain(node)
        if found is not None:
            self.variable(found[0], found[1], scope)
            return
        if isinstance(node, nodes.Call):
            self.call(node, scope)
            return
        if isinstance(node, nodes.Filter):
            if node.name not in SELLER_FILTERS:
                raise self.fail("unknown_filter", node, name=node.name)
        if isinstance(node, nodes.Test):
            if node.name not in SELLER_TESTS:
                raise self.fail("unknown_test", node, name=node.name)
        for child in node.iter_child_nodes():
            self.expression(child, scope)

    def literal(self, node: nodes.Node) -> None:
        """Lists, dicts and texts written in the template stay small (Jinja would otherwise
        build, and compare, constant ones while compiling); a dict's keys are written as is
        (a computed key could be a deep tuple, whose hash no clock can stop)."""
        text = node.value if isinstance(node, nodes.Const) else None
        if isinstance(text, str) and len(text) > LITERAL_TEXT_MAX:
            raise self.fail("literal_text", node, max=LITERAL_TEXT_MAX)
        if isinstance(node, nodes.List | nodes.Tuple | nodes.Dict):
            if _literal_items(node) > LITERAL_ITEMS_MAX:
                raise self.fail("literal_items", node, max=LITERAL_ITEMS_MAX)
        if isinstance(node, nodes.Dict):
            for pair in node.items:
                if not (isinstance(pair.key, nodes.Const) and isinstance(pair.key.value, str | int)):
                    raise self.fail("dict_key", pair)

    def call(self, node: nodes.Call, scope: _Scope) -> None:
        found = _chain(node.node)
        allowed = found is not None and (
            (found[0].name == "range" and not found[1] and "range" not in scope)
            or (scope.get(found[0].name) == _LOOP and found[1] in (["cycle"], ["changed"]))
        )
        if not allowed:
            if found is None:
                raise self.fail("call", node)
            name = ".".join([found[0].name, *found[1]])
            known = found[0].name in scope or found[0].name in self.prefixes or self.spec.variable(name)
            raise self.fail("call" if known else "unknown_function", node, name=name)
        for child in (*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs):
            self.expression(child, scope)

    def variable(self, root: nodes.Name, attributes: list[str], scope: _Scope) -> None:
        for attribute in attributes:
            if attribute.startswith("_"):
                raise self.fail("unsafe", root, name=attribute)
        path = ".".join([root.name, *attributes])
        if root.name in scope:
            local = scope[root.name]
            if local == _LOOP:
                if len(attributes) > 1 or (attributes and attributes[0] not in _LOOP_ATTRIBUTES):
                    candidates = [f"loop.{name}" for name in _LOOP_ATTRIBUTES]
                    raise self.unknown(root, path, candidates)
            elif local is not None and attributes:
                fields = self.spec.variable(local).fields  # type: ignore[union-attr]
                if len(attributes) > 1 or attributes[0] not in {f.name for f in fields}:
                    candidates = [f"{root.name}.{f.name}" for f in fields]
                    raise self.unknown(root, path, candidates)
            return
        if root.name == "range" and not attributes:
            return
        if self.spec.variable(path) is not None or path in self.prefixes:
            return
        raise self.unknown(root, path, list(self.spec.names))

    def unknown(self, node: nodes.Node, path: str, candidates: list[str]) -> TemplateProblem:
        close = difflib.get_close_matches(path, candidates, n=1, cutoff=0.6)
        return self.fail("unknown_variable", node, name=path, suggestion=close[0] if close else None)


def _count_loops(template: nodes.Template) -> nodes.Template:
    """Every ``{% for %}`` iterates through ``_budget`` (the loop limit and the clock)."""
    for loop in list(template.find_all(nodes.For)):
        loop.iter = nodes.Filter(loop.iter, "_budget", [], [], None, None, lineno=loop.iter.lineno)
    return template


_CLOSERS = {"%": "%}", "#": "#}", "{": "}}"}
_RAW_TAG = re.compile(r"[-+]?\s*raw\s*[-+]?")
_END_RAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")


def _tags(source: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of each ``{% %}`` ("%"), ``{# #}`` ("#"), ``{{ }}`` ("{") and raw
    block ("raw"), in one pass: each closer is searched once per stretch, so a template full
    of unclosed ``{%`` costs linear time, not quadratic."""
    next_closer: dict[str, int] = {}
    position = 0
    while (start := source.find("{", position)) >= 0 and start + 1 < len(source):
        closer = _CLOSERS.get(source[start + 1])
        if closer is None:
            position = start + 1
            continue
        found = next_closer.get(closer)
        if found is None or (found != -1 and found < start + 2):
            found = next_closer[closer] = source.find(closer, start + 2)
        if found == -1:
            position = start + 2
            continue
        end = found + 2
        if closer == "%}" and _RAW_TAG.fullmatch(source, start + 2, found):
            end_raw = _END_RAW.search(source, end)
            end = end_raw.end() if end_raw else len(source)
            yield start, end, "raw"
        else:
            yield start, end, source[start + 1]
        position = end


def _keep_line_breaks(source: str) -> str:
    """A line holding only ``{% %}`` tags disappears from the output (trim_blocks and
    lstrip_blocks), but a tag that ends a line of text keeps that line's break, as a seller
    expects: ``When: {{ d }}{% if h %}, {{ h }}{% endif %}`` stays a line of its own. Jinja's
    ``+%}`` says so per tag; no line is added or removed, so line numbers stay right."""
    parts: list[str] = []
    done = 0
    previous_end = 0
    text_on_line = False  # something other than {% %} and {# #} before the tag, on its line
    for start, end, kind in _tags(source):
        between = source[previous_end:start]
        if "\n" in between:
            text_on_line = bool(between.rsplit("\n", 1)[1].strip())
        else:
            text_on_line = text_on_line or bool(between.strip())
        previous_end = end
        if kind in ("{", "raw"):
            text_on_line = True
            continue
        tag = source[start:end]
        if kind == "%" and text_on_line and not tag.endswith(("-%}", "+%}")):
            if source.startswith(("\n", "\r\n"), end):
                parts.append(source[done : end - 2])
                parts.append("+%}")
                done = end
    parts.append(source[done:])
    return "".join(parts)


@functools.lru_cache(maxsize=256)
def compile_template(event: str, channel: str, field: str, source: str) -> Any:
    """The checked, compiled template (cached). Raises TemplateProblem with line and name;
    ValueError for an event, channel or field that has no template."""
    spec = event_spec(event)
    if channel not in spec.channels:
        raise ValueError(f"{event} has no {channel} message")
    if field == "subject" and channel != "email":
        raise ValueError("only e-mails have a subject")
    env = _environment(channel, field)
    if len(source) > env.limits.source:
        raise TemplateProblem("source_too_long", field=field, max=env.limits.source)
    try:
        tree = env.parse(_keep_line_breaks(source))
        _Checker(spec, field).check(tree)
        return env.from_string(_count_loops(tree))
    except TemplateSyntaxError as error:
        raise TemplateProblem("syntax", line=error.lineno, field=field, detail=error.message or "") from None
    except RecursionError:
        raise TemplateProblem("too_deep", field=field) from None
    except (SyntaxError, MemoryError, ValueError, OverflowError) as error:  # Python's compiler
        raise TemplateProblem("too_deep", field=field, detail=str(error)[:200]) from None



def validate(event: str | EventSpec, channel: str, source: str, *, field: str = "body") -> None:
    """Refuse a template at save time: syntax, undocumented variables, filters, tests, tags
    and literals too large (with line and name), then a render with example and with longest
    values, in a child process under the hard time limit like every render."""
    spec = event_spec(event)
    if not isinstance(source, str):
        raise TypeError("a template is text")
    template = compile_template(spec.key, channel, field, source)
    limit = LIMITS[(channel, field)].output
    contexts = [template_values(example_context(spec)), template_values(longest_context(spec))]

    def fill_both() -> list[str]:
        return [fill(template, values, limit=limit, field=field) for values in contexts]

    example, _ = isolation.run(fill_both)
    if not example:
        raise TemplateProblem("empty", field=field)
