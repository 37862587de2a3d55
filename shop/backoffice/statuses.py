"""Filled in by its area's work; see shop/backoffice/__init__.py."""
