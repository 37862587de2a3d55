"""The CSV's columns and cell formats, and reading an uploaded file into rows."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext

from shop.i18n import ascii_digits

SEPARATORS = (",", ";")
MAX_BYTES = 20 * 1024 * 1024
# A cell longer than the longest text the catalog keeps (a description) by a margin: csv's own
# limit would stop the reading with an error instead of a message on the row.
MAX_CELL = 20_000

PRODUCT, SKU, PRICE, VAT_RATE = "product", "sku", "price", "vat_rate"
CATEGORY, PUBLISHED, RETURNABLE = "category", "published", "returnable"
RETURN_DAYS, WEIGHT_GRAMS, OPTIONS, LOW_STOCK = (
    "return_days",
    "weight_grams",
    "options",
    "low_stock_threshold",
)
REQUIRED = (PRODUCT, SKU, PRICE, VAT_RATE)
# Columns that describe the product: the same on each of its rows (the first row's count).
PRODUCT_COLUMNS = (CATEGORY, PUBLISHED, RETURNABLE, RETURN_DAYS, WEIGHT_GRAMS)

YES, NO = "yes", "no"
_YES = {"yes", "1", "true", "y"}
_NO = {"no", "0", "false", "n"}


def name_column(language: str) -> str:
    return f"name_{language}"


def description_column(language: str) -> str:
    return f"description_{language}"


def stock_column(code: str) -> str:
    return f"stock_{code}"


def header(languages: list[str], warehouse_codes: list[str]) -> list[str]:
    """Every column, in the order the export writes them."""
    return [
        PRODUCT,
        *(name_column(code) for code in languages),
        *(description_column(code) for code in languages),
        CATEGORY,
        PUBLISHED,
        RETURNABLE,
        RETURN_DAYS,
        WEIGHT_GRAMS,
        SKU,
        OPTIONS,
        PRICE,
        VAT_RATE,
        LOW_STOCK,
        *(stock_column(code) for code in warehouse_codes),
    ]


# A cell a spreadsheet would run as a formula (=, +, -, @, or a tab or return before them): the
# export writes it with a leading apostrophe, which spreadsheets show as text, and the import
# takes the apostrophe off again (OWASP "CSV injection"); a product named "=HYPERLINK(...)"
# by anyone with catalog access cannot run in the next seller's spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A text that itself starts with apostrophes before such a character gets one more, so that
# what the seller typed survives the round trip.


def guarded(cell: str) -> str:
    return f"'{cell}" if cell.lstrip("'").startswith(_FORMULA_STARTS) else cell


def unguarded(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_STARTS) else cell


def yes_no(value: bool) -> str:
    return YES if value else NO


def parse_yes_no(text: str) -> bool | None:
    """yes/no, 1/0 or true/false, any case; None for anything else."""
    folded = text.strip().lower()
    return True if folded in _YES else False if folded in _NO else None


def format_options(options: dict[str, str]) -> str:
    """``size=M|colour=Red``."""
    return "|".join(f"{name}={value}" for name, value in options.items() if value)


def parse_options(text: str) -> dict[str, str] | None:
    """The options of ``size=M|colour=Red``; None when a part is not ``name=value``."""
    options: dict[str, str] = {}
    for part in text.split("|"):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        if not equals or not name.strip():
            return None
        options[name.strip().lower()] = value.strip()
    return options


def format_amount(value: Decimal, places: int | None = None) -> str:
    """A dot-decimal amount: prices with the currency's places, rates as short as they go."""
    if places is not None:
        return f"{Decimal(value).quantize(Decimal(1).scaleb(-places)):f}"
    return f"{Decimal(value).normalize():f}"


def parse_amount(text: str) -> Decimal | None:
    """129.90, 129,90 (a decimal comma), Persian digits; None when it is not a number."""
    typed = ascii_digits(text.strip()).replace("\u00a0", "").replace(" ", "")
    if "," in typed and "." not in typed:
        typed = typed.replace(",", ".")
    try:
        amount = Decimal(typed)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


class FileRefused(Exception):
    """The file cannot be read as a catalog CSV at all; the message says why."""


def decode(content: bytes) -> str:
    """The file's text: UTF-8, with or without a BOM; anything else is refused."""
    if not content.strip():
        raise FileRefused(gettext("The file is empty."))
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(_not_utf8())
    if b"\x00" in content:
        raise FileRefused(gettext("This is not a CSV file: it contains binary data."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(_not_utf8()) from None


def _not_utf8() -> str:
    return gettext(
        'The file is not in UTF-8. Save it from your spreadsheet program as "CSV UTF-8" and upload it again.'
    )


def detect_separator(text: str) -> str:
    """ "," or ";", whichever the header line has more of outside quotes."""
    first = text.split("\n", 1)[0]
    counts = {separator: 0 for separator in SEPARATORS}
    quoted = False
    for character in first:
        if character == '"':
            quoted = not quoted
        elif not quoted and character in counts:
            counts[character] += 1
    return ";" if counts[";"] > counts[","] else ","


@dataclass
class Table:
    separator: str
    columns: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it: the header is 1, cells)


def read(content: bytes, separator: str = "") -> Table:
    """The header and the non-empty rows; FileRefused when the file is no CSV of ours."""
    text = decode(content)
    separator = separator if separator in SEPARATORS else detect_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows: list[tuple[int, list[str]]] = []
    columns: list[str] | None = None
    try:
        for number, cells in enumerate(reader, start=1):
            if columns is None:
                columns = [cell.strip() for cell in cells]
            elif any(cell.strip() for cell in cells):
                rows.append((number, cells))
    except csv.Error as error:
        raise FileRefused(
            gettext("Row %(row)s cannot be read as CSV: %(problem)s", row=reader.line_num, problem=str(error))
        ) from None
    if not columns or not any(columns):
        raise FileRefused(gettext("The file is empty."))
    return Table(separator=separator, columns=columns, rows=rows)


def stream_rows(rows: Iterator[list[str]], separator: str) -> Iterator[str]:
    """CSV text a row at a time (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
