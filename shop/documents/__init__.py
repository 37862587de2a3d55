"""Printed documents (issue 12): packing slip, dispatch note, shipping label and pickup label.

Each is a Jinja HTML template under templates/documents/ rendered to PDF by WeasyPrint with the
bundled Vazirmatn font (Persian shaped right to left; Latin, Turkish and Polish letters too); the
same HTML previews on screen. Dispatch notes take their number from a gapless series
(numbering.py); batches of many orders are made by the worker (batches.py).
"""
