"""Domain exceptions. The library raises these; the CLI turns each into one line on stderr
and an exit code, in one place (``wsskg.cli``)."""

from __future__ import annotations


class WsskgError(Exception):
    """Base class: a problem the user can act on. ``str(err)`` is the one-line message."""

    exit_code = 1


class CatalogError(WsskgError):
    """The catalog file is missing, malformed or invalid. Names the file and the place."""

    exit_code = 2

    def __init__(self, message: str, path: object = None, line: int | None = None):
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{message}")


class ImportFailed(WsskgError):
    """An input file (Markdown, BibTeX) could not be read at all."""

    exit_code = 2


class PaperNotFound(WsskgError):
    """A reference (id, arXiv id, title fragment) matches no entry."""

    def __init__(self, ref: str, suggestions: list[str] | None = None):
        self.ref = ref
        self.suggestions = suggestions or []
        msg = f"no entry matches {ref!r}"
        if self.suggestions:
            msg += "; closest: " + ", ".join(self.suggestions)
        super().__init__(msg)


class AmbiguousReference(WsskgError):
    """A reference matches several entries; lists them so the user can pick an id."""

    def __init__(self, ref: str, candidates: list[str]):
        self.ref = ref
        self.candidates = candidates
        shown = candidates[:8]
        more = f" (+{len(candidates) - len(shown)} more)" if len(candidates) > len(shown) else ""
        super().__init__(  # one candidate per line: id, year, title
            f"{ref!r} matches {len(candidates)} entries; use an id:\n  " + "\n  ".join(shown)
            + ("\n  " + more.strip() if more else "")
        )


class SourceError(WsskgError):
    """A remote source (arXiv, Semantic Scholar) failed: network, HTTP status, bad body."""

    exit_code = 3


class RateLimited(SourceError):
    """HTTP 429 that did not clear within the retry budget."""

    def __init__(self, message: str, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message)


class OutputRefused(WsskgError):
    """An ``-o`` file that wsskg will not write: the catalog or its sidecar, a read-only file, or
    an existing file wsskg did not write (without ``--force``). Nothing is written."""

    exit_code = 2
