"""docs/operations.md, "Environment variables", is the operator's list of every variable the
code reads: a variable read but not listed is a setting nobody can find, a variable listed
but never read is a setting that silently does nothing. README's configuration table, a
shorter list, names only variables the code reads and sends the reader to the full one."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import omniretail

PACKAGE = Path(omniretail.__file__).resolve().parent
ROOT = PACKAGE.parent
NAME = re.compile(r"^[A-Z][A-Z0-9_]+$")


def _is_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _literal_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value):
        return node.value
    return None


def names_in_source(tree: ast.Module) -> set[str]:
    """Literal names read with os.environ.get / os.environ[...] / os.getenv, or passed first
    to a reader the module defines itself (settings' `_env_int("OMNI_…", …)` and the like).
    `os.environ.setdefault` writes a default for later readers, so it is not a read."""
    own_functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            names.add(_literal_name(node.slice))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            reads = (
                (isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value))
                or (isinstance(func, ast.Attribute) and func.attr == "getenv")
                or (isinstance(func, ast.Name) and func.id in own_functions)
            )
            if reads:
                names.add(_literal_name(node.args[0]))
    return names - {None}


def names_in_code() -> set[str]:
    names = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).parts
        if {"tests", "testing", "migrations"} & set(relative) or path.name == "conftest.py":
            continue  # the test suite's own switches are not the operator's
        names |= names_in_source(ast.parse(path.read_text(encoding="utf-8")))
    return names


# Imports the settings as a process does and records every variable the settings module
# itself reads (names built at run time too, e.g. OMNI_S3_<name>), once on SQLite and once
# on PostgreSQL, whose pool variables only that branch reads.
TRACE = """
import json, os, runpy, sys

settings_file = sys.argv[1]
seen = set()


class Recording(type(os.environ)):
    def __getitem__(self, key):
        frame = sys._getframe(1)
        while frame.f_code.co_filename.startswith("<frozen") or frame.f_code.co_filename.endswith(
            ("/os.py", "/_collections_abc.py")
        ):
            frame = frame.f_back
        if frame.f_code.co_filename == settings_file:
            seen.add(key)
        return super().__getitem__(key)


os.environ.__class__ = Recording
runpy.run_path(settings_file)
os.environ["DATABASE_URL"] = "postgres://omni@127.0.0.1:5432/omniretail"
runpy.run_path(settings_file)
print(json.dumps(sorted(seen)))
"""


def names_read_by_settings(data_dir) -> set[str]:
    env = {"PATH": "/usr/bin:/bin", "OMNI_DATA_DIR": str(data_dir), "OMNI_EMBEDDED": "1"}
    done = subprocess.run(
        [sys.executable, "-c", TRACE, str(PACKAGE / "settings.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def documented(text: str, heading: str) -> set[str]:
    """The names in the first column of the table under `heading`."""
    section = text.split(f"\n{heading}\n", 1)[1]
    section = re.split(r"\n#{1,2} ", section, maxsplit=1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_the_operations_table_lists_exactly_the_variables_the_code_reads(tmp_path):
    read = names_in_code() | names_read_by_settings(tmp_path)
    listed = documented(
        (ROOT / "docs" / "operations.md").read_text(encoding="utf-8"), "## Environment variables"
    )
    assert {"DATABASE_URL", "OMNI_S3_BUCKET", "OMNI_DB_POOL_MAX", "WEB_CONCURRENCY"} <= read
    assert sorted(read - listed) == [], "read by the code, missing from docs/operations.md"
    assert sorted(listed - read) == [], "in docs/operations.md, never read by the code"


def test_readme_names_only_variables_the_code_reads_and_points_to_the_full_list(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = documented(readme, "## Configuration")
    read = names_in_code() | names_read_by_settings(tmp_path)
    assert "DATABASE_URL" in listed
    assert sorted(listed - read) == [], "in README's configuration table, never read"
    assert "docs/operations.md#environment-variables" in readme


def test_readme_links_to_operations_sections_that_exist():
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(
        r"^#{2,3} (.+)$", (ROOT / "docs" / "operations.md").read_text(encoding="utf-8"), re.M
    )
    anchors = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}
    linked = re.findall(
        r"docs/operations\.md#([\w-]+)", (ROOT / "README.md").read_text(encoding="utf-8")
    )
    assert linked
    assert sorted(set(linked) - anchors) == []
