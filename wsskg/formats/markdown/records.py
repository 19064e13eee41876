"""Recogniser for multi-line records: a title line, indented ``[[pdf]](url)`` / ``[[code]](url)``
lines and an authors sub-bullet ending in the venue::

    - Context Encoders: Feature Learning by Inpainting.
      [[pdf]](https://arxiv.org/abs/1604.07379)
      [[code]](https://github.com/pathak22/context-encoder)
      - Pathak, Deepak and Krahenbuhl, Philipp. *CVPR 2016*

The item recogniser (``bullets``) has already joined the link lines; this finds the authors line
among the notes and turns the item into a ``record`` with authors, venue and year.
"""

from __future__ import annotations

import re

from wsskg.formats.markdown.fields import parse_authors_line
from wsskg.formats.markdown.mention import Candidate


def apply(cand: Candidate) -> bool:
    """Make ``cand`` a record when one of its notes is its authors line; True if it did."""
    for k, note in enumerate(cand.notes):
        if note.startswith(" ") or note.startswith("- "):
            continue  # deeper levels are not the authors line
        found = parse_authors_line(note)
        if not found:
            continue
        authors, venue, year = found
        # BibTeX-style ``Wang, Xiaolong and Gupta, Abhinav``: "Last, First" pairs
        if " and " in note and all("," in p for p in re.split(r"\s+and\s+", note.split("*")[0].strip(" ."))):
            authors = [" ".join(reversed([x.strip() for x in p.split(",", 1)]))
                       for p in re.split(r"\s+and\s+", note.split("*")[0].strip(" ."))]
        cand.fields.authors = authors
        if venue:
            cand.fields.venue = cand.fields.venue or venue
            cand.fields.year = cand.fields.year or year
        del cand.notes[k]
        if cand.form in ("bullet", "numbered"):
            cand.form = "record"
        return True
    return False
