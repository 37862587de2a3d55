"""The history notes of returns are stored in English in a fixed shape and shown in the reader's
language; a clerk's or customer's own words are shown as written."""

from __future__ import annotations

from flask_babel import force_locale

from shop.returns import notes


def test_a_receipt_note_is_shown_in_the_readers_words_with_the_clerks_note_as_typed(app):
    stored = (
        "S000057-R1: FSL-39-41: 0 back in IST, 1 written off; TSH-M: 2 back in IST, 1 not received. Kutu ezik"
    )

    with app.test_request_context("/"):
        english = notes.shown(stored)
        with force_locale("fa"):
            persian = notes.shown(stored)

    assert english == (
        "S000057-R1: FSL-39-41: 0 back on the shelf of IST, 1 written off; "
        "TSH-M: 2 back on the shelf of IST, 1 not received. Kutu ezik"
    )
    assert "shelf" not in persian and "موجودی" in persian and "۲" in persian and persian.endswith("Kutu ezik")


def test_refund_and_exchange_notes_name_the_amount_and_the_replacement(app):
    with app.test_request_context("/"):
        assert (
            notes.shown("S1-R1: refunded 549.90 TRY (bank_transfer)")
            == "S1-R1: refunded TRY549.90 by bank transfer"
        )
        assert notes.shown("refund 10.00 PLN pending, the provider did not answer").startswith("refund of ")
        assert notes.shown("S1-R1: replacement order S000060") == "S1-R1: replacement order S000060"
        assert (
            notes.shown("exchange for return S1-R1 of order S1")
            == "replaces the goods of return S1-R1 of order S1"
        )


def test_words_that_are_not_a_note_of_this_shape_are_left_as_written(app):
    with app.test_request_context("/"):
        for text in ("S000056-R1: Worn items cannot be taken back.", "S000054-R1", "back in 5 minutes"):
            assert notes.shown(text) == text
