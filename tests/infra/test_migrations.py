"""Every alembic migration can be reversed, or says why it cannot."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from tests.infra import hcl

VERSIONS = hcl.REPO / "migrations" / "versions"


def _migrations() -> list[Path]:
    return sorted(VERSIONS.glob("*.py")) if VERSIONS.is_dir() else []


def _downgrade_problem(source: str) -> str | None:
    """None when downgrade() reverses something or explains, in a comment, why it cannot."""
    tree = ast.parse(source)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "downgrade"]
    if not functions:
        return "no downgrade() function"
    function = functions[0]
    body = [
        node
        for node in function.body
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    if not all(isinstance(node, ast.Pass) for node in body):
        return None
    lines = source.splitlines()[function.lineno - 1 : function.end_lineno]
    comments = [
        tok.string
        for tok in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline)
        if tok.type == tokenize.COMMENT
    ]
    if any(len(c.lstrip("# ").strip()) >= 10 for c in comments):
        return None
    return "downgrade() is empty without a comment explaining why"


def test_every_migration_has_a_real_or_explained_downgrade() -> None:
    problems = {
        path.name: problem
        for path in _migrations()
        if (problem := _downgrade_problem(path.read_text())) is not None
    }
    assert problems == {}


@pytest.mark.parametrize(
    ("source", "ok"),
    [
        (
            "def upgrade():\n    op.add_column('t', c)\n\n"
            "def downgrade():\n    op.drop_column('t', 'c')\n",
            True,
        ),
        ("def upgrade():\n    pass\n\ndef downgrade():\n    pass\n", False),
        ('def downgrade():\n    """Nothing."""\n    pass\n', False),
        (
            "def downgrade():\n"
            "    # Data backfill only; the old code ignores the values.\n"
            "    pass\n",
            True,
        ),
        ("def upgrade():\n    pass\n", False),
    ],
)
def test_downgrade_rule(source: str, ok: bool) -> None:
    assert (_downgrade_problem(source) is None) is ok
