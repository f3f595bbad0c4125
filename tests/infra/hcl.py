"""Load terraform/ with python-hcl2 into plain Python values the tests can query.

python-hcl2 keeps HCL quoting in its output (`'"tcp"'`) and marks blocks with
`__is_block__`; `clean()` turns that into ordinary strings and dicts, and leaves
expressions as `${...}` strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
MODULES = TERRAFORM / "modules"
ENVS = ("production", "staging")


def clean(value: Any) -> Any:
    """Strip HCL quoting and parser markers, recursively."""
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value[1:-1]
    return value


@dataclass(frozen=True)
class Block:
    """One labelled block: resource/data/module/variable/output."""

    path: Path
    kind: str
    type: str
    name: str
    body: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}: {self.kind} {self.type} {self.name}".strip()


def tf_files() -> list[Path]:
    return sorted(p for p in TERRAFORM.rglob("*.tf") if ".terraform" not in p.parts)


@cache
def parse(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return clean(hcl2.load(handle))


def _labelled(path: Path, kind: str, entries: list[dict[str, Any]], depth: int) -> list[Block]:
    blocks = []
    for entry in entries:
        for first, inner in entry.items():
            if depth == 2:
                for second, body in inner.items():
                    blocks.append(Block(path, kind, first, second, body))
            else:
                blocks.append(Block(path, kind, "", first, inner))
    return blocks


def blocks(kind: str, under: Path = TERRAFORM) -> list[Block]:
    """Every `kind` block (resource, data, module, variable, output) below `under`."""
    depth = 2 if kind in ("resource", "data") else 1
    found: list[Block] = []
    for path in tf_files():
        if under in path.parents:
            found += _labelled(path, kind, parse(path).get(kind, []), depth)
    return found


def resources(type_: str, under: Path = TERRAFORM) -> list[Block]:
    return [b for b in blocks("resource", under) if b.type == type_]


def resource(type_: str, name: str, module: str) -> Block:
    matches = [b for b in resources(type_, MODULES / module) if b.name == name]
    assert len(matches) == 1, f"expected one {type_}.{name} in modules/{module}, got {matches}"
    return matches[0]


def module_calls(under: Path) -> dict[str, Block]:
    return {b.name: b for b in blocks("module", under)}


def tfvars(env: str) -> dict[str, Any]:
    path = TERRAFORM / "envs" / env / "terraform.tfvars"
    with path.open() as handle:
        return clean(hcl2.load(handle))


def nested(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A nested block as a list, whether it occurs once or several times."""
    value = body.get(name, [])
    return value if isinstance(value, list) else [value]


def variable_default(module: str, name: str) -> Any:
    matches = [b for b in blocks("variable", MODULES / module) if b.name == name]
    assert matches, f"modules/{module} has no variable {name}"
    return matches[0].body.get("default")
