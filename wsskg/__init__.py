"""wsskg: a literature knowledge graph for a curated reading list.

The library is usable on its own; ``wsskg.cli`` is a thin shell over it.
Data flows: Markdown/BibTeX in -> ``catalog`` model -> ``sources`` enrichment ->
``graph`` -> ``search`` queries -> ``export``.
"""

__version__ = "0.1.0"
