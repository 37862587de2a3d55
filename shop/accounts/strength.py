"""Which new passwords are accepted: a length rule and zxcvbn's estimate of how guessable it is.

zxcvbn knows the common passwords of public breaches, dictionary words, names, keyboard
patterns, dates and l33t substitutions, and is told the person's e-mail, name and the shop's
name, so "Ayse2026!" for Ayşe is refused as readily as "password123". Scores run from 0 to 4;
3 ("safely unguessable") is what we ask for, as zxcvbn's authors advise for accounts that
matter.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable

from flask_babel import gettext
from zxcvbn import zxcvbn

from shop.errors import ShopError

PASSWORD_MIN = 10
PASSWORD_MAX = 128
MIN_SCORE = 3
# zxcvbn's time grows with length (its own limit is 72): the first 72 characters decide.
_SCORED_LENGTH = 72
# zxcvbn keeps the user's words in a module-level dictionary while it scores: one at a time.
_zxcvbn_lock = threading.Lock()


class WeakPassword(ShopError):
    code = "weak_password"
    field = "password"
    http_status = 422

    def describe(self) -> str:
        return gettext(
            "Choose a password of %(min)s to %(max)s characters.", min=PASSWORD_MIN, max=PASSWORD_MAX
        )


class GuessablePassword(WeakPassword):
    code = "guessable_password"

    def describe(self) -> str:
        return gettext(
            "This password is too easy to guess: it is a common one or close to your name or e-mail. "
            "Add a few words that are not obvious together."
        )


# Letters that Unicode does not decompose into an ASCII one plus an accent.
_UNDECOMPOSED = str.maketrans({"ı": "i", "İ": "I", "ł": "l", "Ł": "L", "ø": "o", "đ": "d"})


def _ascii(word: str) -> str:
    """"Yılmaz" as people type it on any keyboard: "Yilmaz" (and "Żółw" as "Zolw")."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_UNDECOMPOSED))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _words(user_inputs: Iterable[str]) -> list[str]:
    """The person's own words, also without accents, and the parts of an e-mail address."""
    words: list[str] = []
    for value in user_inputs:
        value = (value or "").strip()
        if not value:
            continue
        words += [value, *value.split()]
        if "@" in value:
            local, _, domain = value.partition("@")
            words += [local, *local.replace("_", ".").replace("-", ".").split("."), domain.split(".")[0]]
    words += [_ascii(word) for word in words]
    return list(dict.fromkeys(word for word in words if len(word) >= 3))


def check_new_password(password: object, *, user_inputs: Iterable[str] = ()) -> str:
    """``password`` if it may be chosen; WeakPassword (length) or GuessablePassword otherwise."""
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise WeakPassword()
    with _zxcvbn_lock:
        score = zxcvbn(password[:_SCORED_LENGTH], user_inputs=_words(user_inputs))["score"]
    if score < MIN_SCORE:
        raise GuessablePassword()
    return password
