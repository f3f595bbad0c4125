#!/bin/sh
# Start one Burrow process. Usage: entrypoint.sh ROLE [ARGS...]
#   web                 gunicorn serving wsgi:app
#   worker QUEUE...     RQ worker on the named queues (all queues if none)
#   scheduler           periodic job scheduler
#   migrate             alembic upgrade head, then exit (the one-off deploy task)
# Migrations run only for `migrate`: web containers never touch the schema, so
# scaling out or restarting web tasks cannot race a migration.
set -eu

role="${1:-web}"
if [ "$#" -gt 0 ]; then
  shift
fi

# Lets infra/healthcheck.py probe the right thing when Docker runs it without
# arguments. /tmp is the only writable path; failure to write is not fatal.
printf '%s\n' "$role" > "${BURROW_ROLE_FILE:-/tmp/burrow-role}" 2>/dev/null || true

case "$role" in
  web)
    exec gunicorn -c /app/infra/gunicorn.conf.py wsgi:app
    ;;
  worker)
    # exec keeps the worker as the signal target: SIGTERM from ECS is RQ's
    # warm shutdown (finish the current job, then exit).
    exec python -m workers "$@"
    ;;
  scheduler)
    exec python -m workers.schedule
    ;;
  migrate)
    exec alembic upgrade head
    ;;
  *)
    echo "entrypoint: unknown role '$role' (expected web, worker, scheduler or migrate)" >&2
    exit 64
    ;;
esac
