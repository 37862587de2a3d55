"""Parcel carriers sellers in Turkey, Poland and Iran use, with their public tracking pages."""

from __future__ import annotations

from urllib.parse import quote

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# code: (name, tracking page with {number}). Carriers' names are their brands, never
# translated; "Other" is a word, translated in the reader's language when shown.
CARRIERS: dict[str, tuple[str | LazyString, str]] = {
    "yurtici": (
        "Yurtiçi Kargo",
        "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code={number}",
    ),
    "aras": ("Aras Kargo", "https://kargotakip.araskargo.com.tr/mainpage.aspx?code={number}"),
    "mng": ("MNG Kargo", "https://www.mngkargo.com.tr/gonderi-takip/{number}"),
    "ptt": ("PTT Kargo", "https://gonderitakip.ptt.gov.tr/Track/Verify?q={number}"),
    "inpost": ("InPost", "https://inpost.pl/sledzenie-przesylek?number={number}"),
    "dpd_pl": ("DPD Polska", "https://tracktrace.dpd.com.pl/parcelDetails?p1={number}"),
    "poczta_polska": ("Poczta Polska", "https://emonitoring.poczta-polska.pl/?numer={number}"),
    "post_ir": ("پست ایران", "https://tracking.post.ir/?id={number}"),
    "tipax": ("Tipax", "https://tipaxco.com/tracking?barcode={number}"),
    "other": (_l("Other"), ""),
}


def carrier_name(code: str) -> str:
    name = CARRIERS.get(code, (code, ""))[0]
    return str(name) if name else ""


def tracking_url(code: str, number: str) -> str:
    template = CARRIERS.get(code, ("", ""))[1]
    return template.format(number=quote(number, safe="")) if template and number else ""
