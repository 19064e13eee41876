"""Regenerate ``docs/robustness.md`` from what the robustness tests observe.

    python -m benchmarks.robustness          (from the repository root)

Runs ``tests/test_robustness.py`` and ``tests/test_files_safety.py`` (slow tests included) with
``$WSSKG_ROBUSTNESS_REPORT`` set, so each test records the attack it tried, what happened (with
the times and memory it measured) and its own name; writes the table only when every test
passed. A normal test run records nothing and never touches the document.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "robustness.md"
sys.path.insert(0, str(REPO / "tests"))
from robustness_report import MODULES, REPORT_ENV  # noqa: E402

INTRO = """# Robustness

What wsskg does when attacked or misused: concurrent writers, writers killed mid-save, hostile and
malformed files, and the user's own files (outputs, symlinks, comments, permissions, the sidecar).
Each row names the test that proves it; the numbers are what that test measured. Exit code 2 means
a catalog, sidecar, input or output problem; every error is one line on stderr.

A file planted in the cache dir cannot run code: since issue 13 the derived index is SQLite, not
pickle (`tests/test_index.py`). Regenerate with `python -m benchmarks.robustness` (runs the tests below; writes only if all pass).
"""


def render(rows: list[dict]) -> str:
    lines = [INTRO, "| area | attack | what happens | proved by |", "| --- | --- | --- | --- |"]
    for r in rows:
        cells = [r["area"], r["tried"], r["happened"], f"`{r['test']}`"]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rows.jsonl"
        env = dict(os.environ, **{REPORT_ENV: str(report)})
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "slow or not slow",
               "-k", "not test_robustness_doc_is_current",  # the document is what is being made
               *(str(REPO / "tests" / m) for m in MODULES)]
        if subprocess.run(cmd, cwd=REPO, env=env).returncode != 0:
            print("robustness tests failed; docs/robustness.md left as it was", file=sys.stderr)
            return 1
        rows = [json.loads(ln) for ln in report.read_text(encoding="utf-8").splitlines() if ln.strip()]
    DOC.write_text(render(rows), encoding="utf-8")
    print(f"wrote {DOC.relative_to(REPO)}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
