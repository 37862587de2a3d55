"""The catalog as a CSV file (issue 11, B18): export it, and import one back in the worker.

One row per SKU; rows with the same ``product`` (the product's slug) are one product. Columns:
``columns.header`` gives them in order. The file is UTF-8 with a BOM (spreadsheet programs then
read Turkish, Polish and Persian text right), separated by "," or ";" (Polish spreadsheets).

- ``columns``: the columns, the cell formats (yes/no, options, amounts), reading a file.
- ``export``: the rows, streamed a batch of products at a time.
- ``importer``: every row checked first (nothing changes if one fails), then applied in one
  transaction, through the catalog's editing rules and the stock ledger.
- ``jobs``: the import as a worker job, with its progress on the CatalogImport row.
"""
