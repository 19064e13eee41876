"""``wsskg check`` on the shipped list: the one real wrong link (CIAN/FickleNet) is the only
error; one paper's two forms (GAIN / its title, WegSeg / WebSeg, SeeNet / Self-Erasing Network)
are merges listed with their evidence, not errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import SEED
from wsskg.check import check_catalog
from wsskg.cli import app
from wsskg.formats.markdown import read_markdown


def test_shipped_list_has_exactly_the_one_wrong_link():
    findings = check_catalog(read_markdown(SEED))
    errors = [f for f in findings if f.level == "error"]
    assert [(f.code, sorted(f.entries)) for f in errors] == [("shared-arxiv-id", ["cian-2019", "ficklenet-2019"])]
    merged = {f.entries[0]: f.message for f in findings if f.code == "merged"}
    for eid, evidence in [("tell-me-where-2018", "GAIN is the title's initials"),
                          ("webseg-learning-semantic", "names WegSeg / WebSeg agree"),
                          ("self-erasing-network-2018", "SeeNet is the title's initials"),
                          ("learning-pixel-level", "same name psa"),
                          ("bootstrapping-performance-webly", "BDSSW / BDWSS"),
                          ("graph-2018", "same name Graph"),
                          ("dsrg-2018", "same name DSRG"),
                          ("dilated-residual-networks-2017", "same title"),
                          ("learning-discriminative-feature-2018", "same title")]:
        assert evidence in merged[eid], (eid, merged.get(eid))


def test_check_cli_exit_code_and_json(seed_catalog_file):
    r = CliRunner().invoke(app, ["check", "-c", str(seed_catalog_file)])
    assert r.exit_code == 1
    assert r.stdout.count("error:") == 1 and "1 errors" in r.stdout and "merged works" in r.stdout
    findings = json.loads(CliRunner().invoke(app, ["check", "--json", "-c", str(seed_catalog_file)]).stdout)
    assert {f["level"] for f in findings} == {"error", "warning", "info"}


def test_a_user_merge_silences_the_wrong_link_error(seed_catalog_file):
    runner = CliRunner()
    assert runner.invoke(app, ["merge", "cian-2019", "ficklenet-2019", "-c", str(seed_catalog_file)]).exit_code == 0
    r = runner.invoke(app, ["check", "-c", str(seed_catalog_file)])
    assert r.exit_code == 0 and "0 errors" in r.stdout
