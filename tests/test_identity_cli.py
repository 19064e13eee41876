"""``wsskg merge`` / ``split`` / ``not-same`` end to end: decisions recorded in catalog.yaml,
respected by a re-import (``import --force``) and by ``import --merge``; ``show`` prints short
name, aliases and mentions; ``--json`` carries them; export follows only the checkboxes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import SEED
from wsskg.cli import app
from wsskg.store import load_catalog


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_split_then_reimport_keeps_it_split_and_merge_joins_again(tmp_path):
    cat = tmp_path / "c.yaml"
    assert run("import", SEED, "-c", cat).exit_code == 0
    r = run("split", "learning-pixel-level", "--line", 45, "-c", cat)
    assert r.exit_code == 0 and "psa-2018" in r.stdout
    c = load_catalog(cat)
    assert c.get("psa-2018") and [m.line for m in c.get("psa-2018").mentions] == [45]
    assert {"not_same": ["learning-pixel-level", "psa-2018"]} in c.decisions or \
        {"not_same": ["psa", "psa-2018"]} in c.decisions
    # the file still comes back byte for byte
    assert run("export", "-c", cat).stdout == SEED.read_text(encoding="utf-8")
    # a re-import keeps the user's decision
    assert run("import", SEED, "--force", "-c", cat).exit_code == 0
    c = load_catalog(cat)
    assert c.get("psa-2018") is not None and 45 not in [m.line for m in c.get("learning-pixel-level").mentions]
    # and merge undoes it, recorded too
    assert run("merge", "learning-pixel-level", "psa-2018", "-c", cat).exit_code == 0
    assert run("import", SEED, "--force", "-c", cat).exit_code == 0
    c = load_catalog(cat)
    assert c.get("psa-2018") is None and 45 in [m.line for m in c.get("learning-pixel-level").mentions]


def test_errors_are_one_line(tmp_path):
    cat = tmp_path / "c.yaml"
    run("import", SEED, "-c", cat)
    before = cat.read_bytes()
    for args in (("split", "mdc-2018"), ("split", "graph-2018", "--line", 3), ("merge", "mdc-2018", "mdc-2018"),
                 ("merge", "mdc-2018", "no-such-entry-at-all")):
        r = run(*args, "-c", cat)
        assert r.exit_code != 0 and r.stderr.count("\n") == 1, (args, r.stderr)
    assert cat.read_bytes() == before


def test_not_same_is_respected_by_import_merge(tmp_path):
    cat = tmp_path / "c.yaml"
    run("import", SEED, "-c", cat)
    extra = tmp_path / "extra.md"
    extra.write_text("# X\n\n## Y\n- [ ] Adaptive Affinity Field for Semantic Segmentation, ECCV 2018\n", encoding="utf-8")
    assert run("not-same", "adaptive-affinity-field-2018", "mdc-2018", "-c", cat).exit_code == 0
    r = run("import", extra, "--merge", "-c", cat)
    assert r.exit_code == 0 and "merged 1" in r.stdout
    c = load_catalog(cat)
    aaf = c.get("adaptive-affinity-field-2018")
    assert any(m.doc == "extra.md" for m in aaf.mentions)
    assert run("export", "-c", cat).stdout == SEED.read_text(encoding="utf-8")


def test_show_and_json_carry_short_name_aliases_mentions(tmp_path):
    cat = tmp_path / "c.yaml"
    run("import", SEED, "-c", cat)
    out = run("show", "GAIN", "-c", cat).stdout
    assert "short name:    GAIN" in out and "aliases:       gain-2018" in out and "mention:" in out
    d = json.loads(run("show", "gain-2018", "--json", "-c", cat).stdout)
    assert d["id"] == "tell-me-where-2018" and d["short_name"] == "GAIN" and d["aliases"] == ["gain-2018"]
    assert d["mentions"] == [{"topic": "Top Works/PASCAL VOC2012", "form": "row", "line": 48},
                             {"topic": "Reading List/localization", "form": "checkbox", "line": 181}]
    rows = json.loads(run("list", "--json", "-c", cat).stdout)
    assert all({"short_name", "aliases", "mentions"} <= set(r) for r in rows)


def test_read_changes_only_that_checkbox_and_list_topic_takes_export_names(tmp_path):
    cat = tmp_path / "c.yaml"
    run("import", SEED, "-c", cat)
    assert run("read", "gated-crf-loss", "-c", cat).exit_code == 0
    src = SEED.read_text(encoding="utf-8").split("\n")
    out = run("export", "-c", cat).stdout.split("\n")
    assert [(a, b) for a, b in zip(src, out) if a != b] == [(
        "- [ ] [Gated CRF Loss for Weakly Supervised Semantic Image Segmentation](https://arxiv.org/abs/1906.04651)",
        "- [x] [Gated CRF Loss for Weakly Supervised Semantic Image Segmentation](https://arxiv.org/abs/1906.04651)")]
    listed = json.loads(run("list", "--topic", "pascal", "--json", "-c", cat).stdout)
    assert len(listed) == 13  # 14 rows: one work each, but the two Graph rows are one
    parent = json.loads(run("search", "Top Works", "--json", "-c", cat).stdout)
    assert len(parent) >= 11


def test_checkboxes_only_when_asked(tmp_path):
    md = tmp_path / "plain.md"
    md.write_text("# L\n\n## A\n- Some Paper About Owls, CVPR 2019\n- Another Paper About Cats, ICCV 2019\n", encoding="utf-8")
    cat = tmp_path / "c.yaml"
    run("import", md, "-c", cat)
    assert run("read", "Some Paper About Owls", "-c", cat).exit_code == 0
    assert run("export", "-c", cat).stdout == md.read_text(encoding="utf-8")
    boxed = run("export", "--checkboxes", "-c", cat).stdout
    assert "- [x] Some Paper About Owls, CVPR 2019\n- [ ] Another Paper About Cats" in boxed
