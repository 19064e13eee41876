"""A mention under construction: where the list names a work, and what it says there.

Recognisers create these; :mod:`wsskg.formats.markdown.assemble` joins the ones that name the
same work (by :func:`wsskg.identity.same_work`, which reads the attributes below) into entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wsskg.catalog import Result, arxiv_id_from_url
from wsskg.formats.markdown.fields import Fields


@dataclass
class Candidate:
    start: int  # first line (0-based) of the mention in the file
    end: int  # one past its last line
    topic: str
    form: str  # one of catalog.MENTION_FORMS
    fields: Fields
    status: str = "unread"
    notes: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    context_venue: str | None = None  # from the enclosing heading (``### CVPR 2025``)
    context_year: int | None = None
    order: int = 0
    confidence: float = 1.0  # how sure the template reading is (``template``)

    # -- what identity.same_work reads ------------------------------------------------------
    @property
    def title(self) -> str:
        return self.fields.title

    @property
    def short_name(self) -> str | None:
        return self.fields.short_name

    @property
    def name_is_label(self) -> bool:
        """A code line's name is its repository's link text, not the paper's acronym."""
        return self.form == "code"

    @property
    def venue(self) -> str | None:
        return self.fields.venue or self.context_venue

    @property
    def year(self) -> int | None:
        return self.fields.year or self.context_year

    @property
    def links(self):
        return self.fields.links

    @property
    def anchors(self) -> list[str]:
        return self.fields.anchors

    @property
    def refs(self) -> list[str]:
        return self.fields.refs

    @property
    def arxiv_id(self) -> str | None:
        for ln in self.fields.links:
            if ln.kind in ("paper", "pdf"):
                a = arxiv_id_from_url(ln.url)
                if a:
                    return a
        return None

    @property
    def paperish(self) -> bool:
        return bool(self.venue or self.year or self.anchors or self.results
                    or any(ln.kind in ("paper", "pdf") for ln in self.fields.links))
