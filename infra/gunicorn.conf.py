"""Gunicorn settings for the web role, all overridable through the environment."""

from __future__ import annotations

import os
from pathlib import Path


def _cgroup_cpus() -> int | None:
    """CPUs granted by the container's cgroup quota (Fargate), if any is set."""
    for quota_file, period_file in (
        ("/sys/fs/cgroup/cpu.max", None),
        ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
    ):
        try:
            fields = Path(quota_file).read_text().split()
            quota = fields[0]
            period = fields[1] if period_file is None else Path(period_file).read_text().strip()
        except (OSError, IndexError):
            continue
        if quota in ("max", "-1"):
            return None
        return max(1, -(-int(quota) // int(period)))
    return None


def _cpus() -> int:
    # os.cpu_count() reports the host's CPUs inside a container; the quota is
    # what the task is actually allowed to use.
    return _cgroup_cpus() or len(os.sched_getaffinity(0)) or 1


bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * _cpus() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Requests slower than this are killed and logged; insight queries run in
# workers, so a web request has no business taking longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Must finish inside ECS's stopTimeout (30 s for web) so in-flight requests
# complete during a deploy instead of being cut off by SIGKILL.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
# Longer than the ALB idle timeout (60 s), otherwise gunicorn may close a
# connection the ALB is about to reuse and the client sees a 502.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))

# Recycle workers now and then so a slow leak never becomes an outage. Not too often:
# a new worker starts with empty per-process caches (flag definitions, person properties,
# project tokens, kept connections). With 5,000, /flags at ~1,000 req/s per worker recycled
# every few seconds and its p99 went from 31 ms to 401 ms (bench/flags/RESULTS.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "10000"))

# Only the load balancer may set X-Forwarded-*: ECS passes the VPC CIDR here,
# and the task security group admits nothing but the ALB.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Heartbeat files on tmpfs when there is one: the root filesystem is read-only.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108

# The control socket defaults to ~/.gunicorn, which is read-only in the
# container; nothing operates gunicorn through it (ECS signals the process).
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client IP, request line, status, bytes, duration in microseconds, and the
# request ids the app and the ALB stamp, so a log line joins up with traces.
access_log_format = (
    '%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(D)sus '
    'request_id=%({x-request-id}i)s amzn_trace_id=%({x-amzn-trace-id}i)s "%(a)s"'
)

# Build the app once in the master so workers fork with it loaded.
preload_app = True
