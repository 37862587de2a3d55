"""Invoices and credit notes (issue 13: B11, S4).

An invoice is issued once per order (automatically for B2B orders when they become sales
orders, on the customer's request for B2C until a time limit, automatically when an online
payment is confirmed if the seller wants, or by staff) with a gapless number per series and
year. Everything printed is frozen in the row when it is issued: seller, buyer, lines, VAT per
rate, totals; an issued invoice is never edited. A refund of an invoiced order issues a credit
note (its own series) that refers to the invoice and the refund.
"""
