"""How an SMS is billed: GSM-7 or UCS-2, units, segments and cost (product rule B5).

Pure Python, no Flask. ``shop/static/js/sms-counter.js`` implements the same rules for the live
counter in the browser; ``tests/sms_cases.json`` is the one table of cases both must agree on.

The rules (the product's, they win over any other convention):

- CR LF and a lone CR become LF first; ``characters`` counts code points after that.
- GSM-7 (GSM 03.38 default alphabet): a basic character is one septet; the extension characters
  ``^ { } [ ] ~ | \\ €`` are two (escape + character).
- A line break is two units in both encodings (it is sent as CR LF).
- One character outside the basic and extension sets makes the whole message UCS-2, counted in
  UTF-16 code units: a character beyond U+FFFF (an emoji) is a surrogate pair, two units.
- One segment holds 160 septets or 70 UCS-2 units; a longer message is sent in parts of at most
  153 septets or 67 units. A two-unit item (extension character, line break, surrogate pair) is
  never split: parts are packed greedily and an item that does not fit starts the next part.
- The empty text is nothing to send: GSM-7, 0 units, 0 segments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

GSM_7 = "GSM-7"
UCS_2 = "UCS-2"

# The GSM 03.38 default alphabet in table order (0x00-0x7F), without 0x1B (the escape to the
# extension table). Note: upper-case Ç is in it, lower-case ç is not.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# The extension characters the product counts double (03.38's extension table also has a form
# feed, which no seller types: it counts as outside GSM-7 here).
GSM_EXTENSION = frozenset("^{}[]~|\\€")

SINGLE = {GSM_7: 160, UCS_2: 70}
PART = {GSM_7: 153, UCS_2: 67}

# Characters that force UCS-2 but have a plain GSM-7 equivalent (see plain_letters).
PLAIN_LETTERS: dict[str, str] = {
    # Polish (ó is not in GSM 03.38; ò is)
    "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z",
    "Ą": "A", "Ć": "C", "Ę": "E", "Ł": "L", "Ń": "N", "Ó": "O", "Ś": "S", "Ź": "Z", "Ż": "Z",
    # Turkish (ö ü Ö Ü Ç are GSM-7 already and stay)
    "ç": "c", "ğ": "g", "ı": "i", "ş": "s", "İ": "I", "Ş": "S", "Ğ": "G",
    # typography
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u2039": "'", "\u203a": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ",
}  # fmt: skip


@dataclass(frozen=True)
class SmsCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2), line breaks counted as CR LF
    segments: int  # messages billed; 0 for the empty text
    characters: int  # code points the user typed, a line break being one

    def cost(self, price: Decimal | int | str) -> Decimal:
        return cost(self.segments, Decimal(price))


def normalise_line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _sizes(text: str, encoding: str) -> list[int]:
    if encoding == GSM_7:
        return [2 if ch == "\n" or ch in GSM_EXTENSION else 1 for ch in text]
    return [2 if ch == "\n" or ord(ch) > 0xFFFF else 1 for ch in text]


def _segments(sizes: list[int], units: int, encoding: str) -> int:
    if units == 0:
        return 0
    if units <= SINGLE[encoding]:
        return 1
    capacity, segments, used = PART[encoding], 1, 0
    for size in sizes:
        if used + size > capacity:  # a two-unit item that does not fit starts the next part
            segments, used = segments + 1, size
        else:
            used += size
    return segments


def count(text: str) -> SmsCount:
    """Encoding, units, segments and characters of ``text`` as the operator bills it."""
    text = normalise_line_breaks(text)
    gsm = all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)
    encoding = GSM_7 if gsm else UCS_2
    sizes = _sizes(text, encoding)
    units = sum(sizes)
    return SmsCount(encoding, units, _segments(sizes, units, encoding), len(text))


def plain_letters(text: str) -> str:
    """Polish and Turkish letters and typographic quotes, dashes, ellipsis and non-breaking
    spaces replaced by their plain GSM-7 equivalent; anything else (Persian, emoji) unchanged."""
    return "".join(PLAIN_LETTERS.get(ch, ch) for ch in text)


def plain_letters_changes(text: str) -> int:
    """How many characters plain_letters would replace."""
    return sum(1 for ch in text if ch in PLAIN_LETTERS)


_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_SPACE = " \t\r\n"


def expand_variables(text: str, longest: Mapping[str, str]) -> tuple[str, bool]:
    """``text`` (a seller's Jinja template) with each ``{{ name }}`` or ``{{ order.number|upper }}``
    replaced by the longest documented value of the variable (the dotted name before the first
    ``|``), ``{# comments #}`` and ``{% tags %}`` removed; an unknown name keeps its expression.
    Whitespace control (``{{-``) is ignored: the estimate errs on the long side.
    The flag says whether a variable was replaced, i.e. the count is an estimate."""
    estimated = False

    def _replace(match: re.Match[str]) -> str:
        nonlocal estimated
        name = match.group(1).strip(_SPACE).strip("-+").split("|", 1)[0].strip(_SPACE)
        if _NAME.fullmatch(name) and name in longest:
            estimated = True
            return str(longest[name])
        return match.group(0)

    text = _TAG.sub("", _COMMENT.sub("", text))
    return _EXPRESSION.sub(_replace, text), estimated


def estimate(text: str, longest: Mapping[str, str] | None = None) -> tuple[SmsCount, bool]:
    """count() of a template with its variables expanded; the flag as for expand_variables."""
    expanded, estimated = expand_variables(text, longest or {})
    return count(expanded), estimated


def cost(segments: int, price: Decimal) -> Decimal:
    """``segments`` × ``price``, rounded half up to 0.01, or to 0.0001 when the price itself has
    more than two decimals (0.045 a segment is a real tariff). A negative or non-finite price or
    a negative segment count is a ValueError."""
    price = Decimal(price)
    if not price.is_finite() or price < 0:
        raise ValueError(f"invalid price per segment: {price}")
    if segments < 0:
        raise ValueError(f"invalid segment count: {segments}")
    price = abs(price)  # -0 is 0
    decimals = -price.normalize().as_tuple().exponent
    quantum = Decimal("0.0001") if decimals > 2 else Decimal("0.01")
    return (price * segments).quantize(quantum, rounding=ROUND_HALF_UP)
