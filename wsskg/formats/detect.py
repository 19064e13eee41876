"""Which reader a file to import needs: Markdown, BibTeX or CSL-JSON.

``wsskg import FILE`` goes by ``--format`` when given, else by the file: ``.bib``/``.bibtex`` is
BibTeX, ``.json`` holding a CSL-JSON array is CSL-JSON, anything else is a Markdown list.
"""

from __future__ import annotations

import json
from pathlib import Path

from wsskg.catalog import Catalog
from wsskg.errors import ImportFailed

IMPORT_FORMATS = ("markdown", "bibtex", "csl-json")
BIBLIOGRAPHY_FORMATS = ("bibtex", "csl-json")


def detect_format(path: Path, text: str | None = None) -> str:
    """``bibtex``, ``csl-json`` or ``markdown`` for ``path`` (``text``: its content, if read)."""
    suffix = path.suffix.lower()
    if suffix in (".bib", ".bibtex"):
        return "bibtex"
    if suffix in (".json", ".csljson", ".csl-json"):
        from wsskg.formats.csl_json import looks_like_csl

        try:
            data = json.loads(text) if text is not None else json.loads(_read(path))
        except ValueError as e:
            raise ImportFailed(f"{path}: not valid JSON ({e}); give --format if it is something else") from None
        if looks_like_csl(data):
            return "csl-json"
        raise ImportFailed(f"{path}: JSON but not CSL-JSON (an array of items with 'id' and 'type')")
    return "markdown"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportFailed(f"{path}: not UTF-8 text ({e.reason})") from None


def read_bibliography(path: Path, fmt: str, topic: str | None = None,
                      keywords_as_topics: bool = False) -> tuple[Catalog, list[str]]:
    """Parse a BibTeX or CSL-JSON file: ``(catalog, problem lines)``."""
    text = _read(path)
    if fmt == "bibtex":
        from wsskg.formats.bibtex import parse_bibtex

        return parse_bibtex(text, source=str(path), topic=topic, keywords_as_topics=keywords_as_topics)
    if fmt == "csl-json":
        from wsskg.formats.csl_json import parse_csl_json

        return parse_csl_json(text, source=str(path), topic=topic, keywords_as_topics=keywords_as_topics)
    raise ImportFailed(f"{path}: {fmt!r} is not a bibliography format ({', '.join(BIBLIOGRAPHY_FORMATS)})")
