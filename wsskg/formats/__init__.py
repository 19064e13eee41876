"""Readers and writers of the formats a reading list arrives in: Markdown lists, BibTeX.

Each reader turns a file's text into a :class:`~wsskg.catalog.Catalog`; nothing here touches
catalog.yaml (that is ``wsskg.store``).
"""
