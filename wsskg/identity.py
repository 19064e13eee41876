"""The one "same work" test: do two descriptions name the same paper?

Used by the Markdown importer (mentions of one list -> entries), by ``import --merge``
(``wsskg.merge``) and by ``wsskg check``. A *description* is anything with the attributes of a
catalog :class:`~wsskg.catalog.Entry` (``title``, ``short_name``, ``venue``, ``year``, ``links``,
``arxiv_id``, ``doi``; the importer's mentions add ``anchors`` and ``refs``): missing attributes
count as unknown.

The rules, in order (first match decides):

1. **Certainly different** (:func:`conflict`): different arXiv ids or DOIs, years more than one
   apart, different named venues, two full titles that differ, short names that differ (a
   repository's link text, ``name_is_label``, is too weak to tell works apart), or
   two ``#anchor`` targets that differ.
2. **Same** when there is evidence beyond a shared link: an ``[ABBR](#anchor)`` link to the
   other's anchor; the same full title; a shared paper link or id *plus* agreeing names (the short
   name is the other title's name or initials, or the short names agree); a shared paper link
   *and* a shared code link; or, with no shared link, a short name that is the other title's own
   name or initials *and* an agreeing year or venue.
3. Otherwise not the same: a shared link alone never makes two works one (real lists carry wrong
   links; ``check`` reports them).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from wsskg.catalog import arxiv_id_from_url, link_kind
from wsskg.text import STOP_WORDS, normalize_title
from wsskg.venues import venue_name, year_of

#: Fuzzy ratio (0-100) above which two full titles are the same text with a typo.
TITLE_SAME = 92
#: Fuzzy ratio above which two short names are one name misspelt (``WegSeg``/``WebSeg``).
NAME_SAME = 80
#: A word one title has and the other lacks must be this close to its partner (a typo), or the
#: titles differ: ``segmetation``/``segmentation`` agree, ``webly``/``weakly`` do not.
WORD_TYPO = 80.0
#: A title that is the start of another agrees with it when it has at least this many words.
PREFIX_WORDS = 5
#: A title with fewer significant words than this is a name, not a full title.
FULL_TITLE_WORDS = 3

@dataclass(frozen=True)
class Evidence:
    """Why two descriptions are one work: human-readable reasons, strongest first."""

    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return "; ".join(self.reasons)


# -- small helpers ----------------------------------------------------------------------------------

def fold_name(name: str | None) -> str:
    """A short name folded for comparison: letters and digits, lower case (``TSR-Net*`` -> ``tsrnet``)."""
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


def names_agree(a: str | None, b: str | None) -> bool:
    """Are two short names one name (equal when folded, or one misspelt: ``BDSSW``/``BDWSS``)?"""
    fa, fb = fold_name(a), fold_name(b)
    if not fa or not fb:
        return False
    if fa == fb:
        return True
    if len(fa) < 4 or len(fb) < 4:
        return False
    from rapidfuzz import fuzz

    return sorted(fa) == sorted(fb) or fuzz.ratio(fa, fb) >= NAME_SAME


def title_words(title: str) -> list[str]:
    return normalize_title(title).split()


def is_full_title(title: str | None, short_name: str | None = None) -> bool:
    """Is ``title`` a real title rather than a name (``psa``, ``Graph``, ``Liu et al.``)?"""
    if not title:
        return False
    if short_name and fold_name(title) == fold_name(short_name):
        return False
    return len([w for w in title_words(title) if w not in STOP_WORDS]) >= FULL_TITLE_WORDS


def lead_name(title: str | None) -> str | None:
    """The name a title gives itself before a colon (``WebSeg: Learning ...`` -> ``WebSeg``)."""
    m = re.match(r"\s*([^:\s][^:]{0,30}?)\s*:\s+\S", title or "")
    if m and len(m.group(1).split()) <= 3:
        return m.group(1)
    return None


def initials_fit(short: str | None, title: str | None, from_start: bool = False) -> bool:
    """Can ``short`` be spelt from prefixes of consecutive words of ``title``?

    ``GAIN`` fits ``Tell me where to look: Guided Attention Inference Network``, ``SeeNet`` fits
    ``Self-Erasing Network ...`` (``Se`` + ``e`` + ``Net``), ``psa`` fits ``Learning Pixel-level
    Semantic Affinity ...``. Stop words may be skipped; other words may not (inside the span).
    With ``from_start`` the span must begin at the first word or just after a colon."""
    s = fold_name(short)
    if len(s) < 3 or not title:
        return False
    words: list[tuple[str, bool, bool]] = []  # (folded word, starts after a colon, may be skipped)
    after_colon = True
    for w in re.split(r"[\s_/]+", title):
        for j, part in enumerate(w.split("-")):
            fw = fold_name(part)
            if fw:
                # later parts of a compound (``Pixel-level``) may be skipped, like stop words
                words.append((fw, after_colon and j == 0, fw in STOP_WORDS or j > 0))
        after_colon = w.endswith(":")
    from functools import lru_cache

    @lru_cache(maxsize=None)
    def fit(i: int, k: int) -> bool:
        """Do chars s[k:] fit words[i:] (word i must contribute or be a stop word)?"""
        if k == len(s):
            return True
        if i == len(words):
            return False
        w = words[i][0]
        n = 0
        while n < len(w) and k + n < len(s) and w[n] == s[k + n]:
            n += 1
            if fit(i + 1, k + n):
                return True
        return words[i][2] and fit(i + 1, k)

    starts = [i for i, w in enumerate(words) if w[1]] if from_start else range(len(words))
    return any(words[i][0][:1] == s[0] and fit(i, 0) for i in starts)


def name_fits_title(short: str | None, title: str | None, strict: bool = False) -> str | None:
    """How a short name fits a full title, or None: ``"is the title's name"`` (``WegSeg`` and
    ``WebSeg: ...``), ``"starts the title"``, or ``"is the title's initials"``. ``strict`` asks
    for initials from the title's start (or after its colon)."""
    if not short or not title:
        return None
    lead = lead_name(title)
    if lead and names_agree(short, lead):
        return "is the title's name"
    first = title_words(title)[:1]
    if first and fold_name(first[0]) == fold_name(short):
        return "starts the title"
    if initials_fit(short, title, from_start=strict):
        return "is the title's initials"
    return None


def url_key(url: str) -> str:
    """A URL folded for comparison: arXiv links by id, else host (no ``www.``) + path, no slash."""
    ax = arxiv_id_from_url(url or "")
    if ax:
        return "arxiv:" + ax.lower()
    u = (url or "").strip()
    if "://" in u:
        _, rest = u.split("://", 1)
        host, _, path = rest.partition("/")
        u = host.lower().removeprefix("www.") + "/" + path
    return u.rstrip("/").removesuffix(".git")


def _is_paper_url(url: str) -> bool:
    return link_kind(url) in ("paper", "pdf")


def _is_code_url(url: str) -> bool:
    return link_kind(url) == "code"


def paper_keys(x: Any) -> set[str]:
    """The paper identities a description carries: arXiv id, DOI, paper/pdf URLs (folded)."""
    keys = {url_key(ln.url) for ln in getattr(x, "links", None) or [] if _is_paper_url(ln.url)}
    ax = getattr(x, "arxiv_id", None)
    if ax:
        keys.add("arxiv:" + re.sub(r"v\d+$", "", ax.lower()))
    doi = getattr(x, "doi", None)
    if doi:
        keys.add("doi:" + doi.lower())
    return keys


def code_keys(x: Any) -> set[str]:
    """The code repositories a description links (folded to ``host/owner/repo``)."""
    out = set()
    for ln in getattr(x, "links", None) or []:
        if _is_code_url(ln.url):
            parts = url_key(ln.url).split("/")
            out.add("/".join(parts[:3]).lower())
    return out


def _arxiv(x: Any) -> str | None:
    ax = getattr(x, "arxiv_id", None)
    return re.sub(r"v\d+$", "", ax.lower()) if ax else None


def _year(x: Any) -> int | None:
    return getattr(x, "year", None) or year_of(getattr(x, "venue", None) or "")


def _venue(x: Any) -> str | None:
    v = venue_name(getattr(x, "venue", None))
    return None if v in (None, "ARXIV") else v


def titles_agree(ta: str, tb: str) -> bool:
    """Are two titles one title (folded equal, a name prefix on one, cut short, or a typo)?"""
    return _titles_agree(ta, tb)


def _titles_agree(ta: str, tb: str) -> bool:
    from rapidfuzz import fuzz

    na, nb = normalize_title(ta), normalize_title(tb)
    if not na or not nb:
        return False
    if na == nb:
        return True
    # a name prefix on one side (``AE-PSL: Object Region Mining ...``)
    for x, y in ((ta, tb), (tb, ta)):
        lead = lead_name(x)
        if lead and normalize_title(x.split(":", 1)[1]) == normalize_title(y):
            return True
    # one title cut short (``Learning pixel-level semantic affinity``): a long enough prefix
    short, long_ = sorted((na, nb), key=len)
    if len(short.split()) >= PREFIX_WORDS and long_.startswith(short + " "):
        return True
    return fuzz.ratio(na, nb) >= TITLE_SAME and words_agree(na, nb)


def words_agree(a: str, b: str) -> bool:
    """Every significant word that differs between two normalised titles is a typo of a word
    of the other title (``segmetation``/``segmentation``), not another word (``webly``/``weakly``)."""
    from rapidfuzz import fuzz

    wa, wb = _join_split_words(a.split(), b.split()), _join_split_words(b.split(), a.split())
    ca, cb = Counter(wa), Counter(wb)
    only_a = [w for w in (ca - cb).elements() if w not in STOP_WORDS]
    only_b = [w for w in (cb - ca).elements() if w not in STOP_WORDS]
    if len(only_a) != len(only_b):
        return False
    rest = list(only_b)
    for w in only_a:
        best = max(rest, key=lambda x: fuzz.ratio(w, x))
        if fuzz.ratio(w, best) < WORD_TYPO or min(len(w), len(best)) < 4:
            return False
        rest.remove(best)
    return True


def _join_split_words(words: list[str], other: list[str]) -> list[str]:
    """``words`` with two neighbours joined where the other title has them as one word: a
    hyphen inside a word must not count ("co segmentation" from "Co-segmentation" is
    "cosegmentation")."""
    theirs = set(other)
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and words[i] + words[i + 1] in theirs and words[i] not in theirs:
            out.append(words[i] + words[i + 1])
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


# -- the test ---------------------------------------------------------------------------------------

def _name(x: Any) -> str | None:
    """The short name, or the title when the title is only a name (a results row ``CIAN``)."""
    s = getattr(x, "short_name", None)
    t = getattr(x, "title", "") or ""
    return s or (t if t and not is_full_title(t) and len(t.split()) <= 3 else None)


def _titled_by_name(title: str, name: str | None) -> bool:
    """Is ``title`` the other mention's short name, written out as its title?"""
    return bool(name) and fold_name(title) == fold_name(name)


def _name_within(sa: str, sb: str, a: Any, b: Any) -> bool:
    """``RSVG`` and ``DIOR-RSVG`` on one paper link: the work and the data set it named, one paper."""
    fa, fb = sorted((fold_name(sa), fold_name(sb)), key=len)
    if len(fa) < 3 or fa not in fb:
        return False
    extra = fb.replace(fa, "", 1)
    if re.fullmatch(r"v?\d*|plus|pp|large|small|base|tiny|lite|xl", extra):
        return False  # ``Open Meadows v2``, ``X++``, ``X-Large``: another version, another work
    return bool(paper_keys(a) & paper_keys(b))


def conflict(a: Any, b: Any) -> str | None:
    """Why ``a`` and ``b`` are certainly different works, or None."""
    ax, bx = _arxiv(a), _arxiv(b)
    if ax and bx and ax != bx:
        return f"different arXiv ids {ax} / {bx}"
    da, db = (getattr(a, "doi", None) or "").lower(), (getattr(b, "doi", None) or "").lower()
    if da and db and da != db:
        return f"different DOIs {da} / {db}"
    ya, yb = _year(a), _year(b)
    if ya and yb and abs(ya - yb) > 1:
        return f"years {ya} / {yb}"
    va, vb = _venue(a), _venue(b)
    if va and vb and va != vb:
        return f"venues {va} / {vb}"
    sa, sb = _name(a), _name(b)
    labels = getattr(a, "name_is_label", False) or getattr(b, "name_is_label", False)
    if sa and sb and not labels and not names_agree(sa, sb) and not _name_within(sa, sb, a, b):
        return f"different names {sa} / {sb}"
    anc_a, anc_b = set(getattr(a, "anchors", ()) or ()), set(getattr(b, "anchors", ()) or ())
    if anc_a and anc_b and not anc_a & anc_b:
        return "different anchors"
    ref_a, ref_b = set(getattr(a, "refs", ()) or ()), set(getattr(b, "refs", ()) or ())
    if ref_a and ref_b and not ref_a & ref_b:
        return "links to different anchors"
    ta, tb = getattr(a, "title", "") or "", getattr(b, "title", "") or ""
    if _titled_by_name(ta, sb) or _titled_by_name(tb, sa):
        return None  # ``[Decoder-only LLMs for STT](url)``: a list's index names the work by its name
    if is_full_title(ta, sa) and is_full_title(tb, sb) and not _titles_agree(ta, tb) \
            and not (paper_keys(a) & paper_keys(b) and code_keys(a) & code_keys(b)):
        return "different titles"  # (one paper and its repository both shared: a repo's name as title)
    return None


def same_work(a: Any, b: Any) -> Evidence | None:
    """The evidence that ``a`` and ``b`` are one work, or None (see the module docstring)."""
    if conflict(a, b):
        return None
    reasons: list[str] = []
    anc_a, anc_b = set(getattr(a, "anchors", ()) or ()), set(getattr(b, "anchors", ()) or ())
    ref_a, ref_b = set(getattr(a, "refs", ()) or ()), set(getattr(b, "refs", ()) or ())
    hit = (ref_a & anc_b) | (ref_b & anc_a) | (ref_a & ref_b)
    if hit:
        return Evidence((f"links to #{sorted(hit)[0]}",))
    ta, tb = getattr(a, "title", "") or "", getattr(b, "title", "") or ""
    sa, sb = _name(a), _name(b)
    full_a, full_b = is_full_title(ta, sa), is_full_title(tb, sb)
    if full_a and full_b and _titles_agree(ta, tb):
        reasons.append("same title")
    shared_paper = paper_keys(a) & paper_keys(b)
    shared_code = code_keys(a) & code_keys(b)
    names = None
    if _titled_by_name(ta, sb) or _titled_by_name(tb, sa):
        names = f"same name {sb if _titled_by_name(ta, sb) else sa}"
    elif sa and sb and names_agree(sa, sb):
        names = f"same name {sa}" if fold_name(sa) == fold_name(sb) else f"names {sa} / {sb} agree"
    elif sa and full_b:
        how = name_fits_title(sa, tb)
        names = f"{sa} {how}" if how else None
    elif sb and full_a:
        how = name_fits_title(sb, ta)
        names = f"{sb} {how}" if how else None
    elif not full_a and not full_b and ta and tb and names_agree(ta, tb):
        names = f"same name {ta}"
    shared = sorted(shared_paper) + sorted(shared_code)
    if reasons:
        if shared:
            reasons.append(f"shared link {shared[0]}")
        return Evidence(tuple(reasons))
    if shared and names:
        return Evidence((f"shared link {shared[0]}", names))
    if shared_paper and shared_code:
        return Evidence((f"shared paper link {sorted(shared_paper)[0]}", f"shared code {sorted(shared_code)[0]}"))
    if names and not (paper_keys(a) and paper_keys(b)):
        # no shared link (and no two different paper links): the name must fit from the title's
        # start and the year or venue must agree
        strict_ok = (sa and full_b and name_fits_title(sa, tb, strict=True)) or (
            sb and full_a and name_fits_title(sb, ta, strict=True)) or (sa and sb)
        ya, yb = _year(a), _year(b)
        va = venue_name(getattr(a, "venue", None))
        vb = venue_name(getattr(b, "venue", None))
        if strict_ok and ((ya and ya == yb) or (va and va == vb)):
            return Evidence((names, f"same {'year ' + str(ya) if ya and ya == yb else 'venue ' + str(va)}"))
    return None


def shared_paper_links(a: Any, b: Any) -> set[str]:
    """Paper ids/links both descriptions carry (what ``check`` reports as a wrong link)."""
    return paper_keys(a) & paper_keys(b)


def group_pairs(items: Iterable[Any]) -> list[tuple[int, int]]:
    """Index pairs worth testing: items sharing a folded title, name, anchor, link or id."""
    buckets: dict[str, list[int]] = {}
    for i, x in enumerate(items):
        keys = set()
        t = normalize_title(getattr(x, "title", "") or "")
        if t:
            keys.add("t:" + t)
            lead = lead_name(getattr(x, "title", ""))
            if lead:
                keys.add("n:" + fold_name(lead))
                keys.add("t:" + normalize_title(x.title.split(":", 1)[1]))
            first = t.split()[0]
            keys.add("n:" + fold_name(first))
            keys.add("i:" + "".join(w[0] for w in t.split() if w not in STOP_WORDS)[:2])
            if lead:
                keys.add("p:" + fold_name(lead)[:2])
                rest = normalize_title(x.title.split(":", 1)[1]).split()
                keys.add("i:" + "".join(w[0] for w in rest if w not in STOP_WORDS)[:2])
        s = getattr(x, "short_name", None)
        if s:
            keys.add("n:" + fold_name(s))
            keys.add("p:" + fold_name(s)[:2])
            keys.add("i:" + fold_name(s)[:2])
        for a in getattr(x, "anchors", ()) or ():
            keys.add("a:" + a)
        for r in getattr(x, "refs", ()) or ():
            keys.add("a:" + r)
        keys |= {"k:" + k for k in paper_keys(x) | code_keys(x)}
        for k in keys:
            buckets.setdefault(k, []).append(i)
    pairs = set()
    for members in buckets.values():
        if len(members) > 60:  # a generic key ("learning"): no evidence there
            continue
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if a != b:
                    pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)
