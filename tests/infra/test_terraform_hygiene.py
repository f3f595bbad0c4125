"""Layout, variables, outputs, formatting and the absence of secret literals."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra import hcl

SECRET_PATTERNS = {
    "AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "Stripe key": re.compile(r"\b(sk|rk|pk)_(live|test)_[0-9A-Za-z]{8,}"),
    "Stripe webhook secret": re.compile(r"\bwhsec_[0-9A-Za-z]{8,}"),
    "PEM private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "credentials in a URL": re.compile(r"\b(postgres(ql)?|rediss?)://[^\s:/@]*:[^\s@${}]+@"),
}
SECRET_ATTRIBUTE = re.compile(
    r"(^|_)(password|passwd|secret|secret_string|token|auth_token|private_key|api_key)$"
)
EXPECTED_MODULES = {
    "alb",
    "database",
    "ecs_service",
    "iam",
    "kms",
    "network",
    "observability",
    "platform",
    "redis",
    "registry",
    "secrets",
    "storage",
}


def _terraform_texts() -> list[Path]:
    return hcl.tf_files() + sorted(hcl.TERRAFORM.rglob("*.tfvars"))


def _literal_secret_attributes(value: Any, trail: str = "") -> list[str]:
    """Attributes with a secret-like name whose value is a literal string."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            is_literal = isinstance(inner, str) and "${" not in inner
            if SECRET_ATTRIBUTE.search(str(key).lower()) and is_literal:
                found.append(f"{trail}.{key}")
            found += _literal_secret_attributes(inner, f"{trail}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _literal_secret_attributes(inner, f"{trail}[{index}]")
    return found


def test_modules_and_environment_roots_exist() -> None:
    modules = {p.name for p in hcl.MODULES.iterdir() if (p / "main.tf").is_file()}
    assert modules == EXPECTED_MODULES
    for env in hcl.ENVS:
        root = hcl.TERRAFORM / "envs" / env
        assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf"} <= {
            p.name for p in root.iterdir()
        }
        assert hcl.module_calls(root)["burrow"].body["source"] == "../../modules/platform"


@pytest.mark.parametrize("path", _terraform_texts(), ids=lambda p: str(p.relative_to(hcl.REPO)))
def test_no_secret_literals(path: Path) -> None:
    text = path.read_text()
    for label, pattern in SECRET_PATTERNS.items():
        assert not pattern.search(text), f"{label} in {path}"
    parsed = hcl.parse(path) if path.suffix == ".tf" else hcl.tfvars(path.parent.name)
    assert _literal_secret_attributes(parsed) == []


def test_secret_detector_catches_what_it_should() -> None:
    assert _literal_secret_attributes({"password": "hunter2"}) == [".password"]
    assert _literal_secret_attributes({"auth_token": "${data.x.y}"}) == []
    assert SECRET_PATTERNS["credentials in a URL"].search("redis://:pw@host:6379")
    assert not SECRET_PATTERNS["credentials in a URL"].search("rediss://${var.host}:6379")


def test_terraform_never_writes_secret_values_into_state() -> None:
    for type_ in ("aws_secretsmanager_secret_version", "random_password", "random_string"):
        assert hcl.resources(type_) == [], type_


@pytest.mark.parametrize("block", hcl.blocks("variable"), ids=lambda b: b.where)
def test_every_variable_has_description_and_type(block: hcl.Block) -> None:
    assert block.body.get("description", "").strip(), block.where
    assert "type" in block.body, block.where


@pytest.mark.parametrize("block", hcl.blocks("output"), ids=lambda b: b.where)
def test_outputs_expose_no_secrets(block: hcl.Block) -> None:
    value = str(block.body["value"])
    assert block.body.get("description", "").strip()
    for marker in ("secret_string", "auth_token", "password", "private_key"):
        assert marker not in value, block.where
    assert "sensitive" not in block.body


@pytest.mark.parametrize("path", hcl.tf_files(), ids=lambda p: str(p.relative_to(hcl.REPO)))
def test_fmt_style_indentation(path: Path) -> None:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        assert "\t" not in line, f"{path}:{number} has a tab"
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, f"{path}:{number} is not indented by two spaces"
        assert line == line.rstrip(), f"{path}:{number} has trailing whitespace"


def test_terraform_fmt_when_the_binary_is_installed() -> None:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform binary not installed; indentation test above still runs")
    result = subprocess.run(
        [binary, "fmt", "-check", "-recursive", "-diff", str(hcl.TERRAFORM)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
