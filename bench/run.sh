#!/usr/bin/env bash
# make bench: run every benchmark (or the named ones: bench/run.sh flags ingest)
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python bench/run.py "$@"
