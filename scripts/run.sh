#!/usr/bin/env bash
# `make run`: migrate the embedded default, seed the demo, start the API and the scheduler/worker.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
mkdir -p var
.venv/bin/alembic upgrade head
.venv/bin/flask --app wsgi burrow seed-demo
if [ -n "${REDIS_URL:-}" ]; then
  $PY -m workers & worker=$!
else
  # No Redis: jobs run inline in the API; this process runs the periodic jobs.
  $PY -m workers.schedule & worker=$!
fi
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Burrow is running at http://127.0.0.1:$PORT  (health: http://127.0.0.1:$PORT/_health)"
exec .venv/bin/gunicorn -c infra/gunicorn.conf.py --bind "127.0.0.1:$PORT" wsgi:app
