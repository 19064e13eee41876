"""The rows of ``docs/robustness.md``: each attack, what happened, and the test that proves it.

Tests call :func:`observe` with what they tried and what they saw. Nothing is recorded in a
normal test run (the suite never rewrites tracked files); ``python -m benchmarks.robustness``
runs the robustness tests with ``$WSSKG_ROBUSTNESS_REPORT`` naming a scratch file, collects the
rows and writes the document. ``tests/test_robustness.py::test_robustness_doc_is_current``
checks that the document names every robustness test, and only tests that exist.
"""

from __future__ import annotations

import json
import os

REPORT_ENV = "WSSKG_ROBUSTNESS_REPORT"
#: The test modules whose observations make up docs/robustness.md.
MODULES = ("test_robustness.py", "test_files_safety.py")


def current_test() -> str:
    """``file.py::test_name`` of the running test (parameters dropped)."""
    node = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
    file, _, name = node.partition("::")
    return f"{os.path.basename(file)}::{name.split('[')[0]}"


def observe(area: str, tried: str, happened: str) -> None:
    """Record one row (only when the report generator asked for it)."""
    target = os.environ.get(REPORT_ENV)
    if not target:
        return
    row = {"area": area, "tried": tried, "happened": happened, "test": current_test()}
    with open(target, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
