#!/usr/bin/env bash
# Installs the system packages the test suite needs, if missing: Postgres and Redis binaries
# (tests start throwaway servers), xmlsec headers (python3-saml), Node/npm (posthog-node tests).
set -euo pipefail
need=()
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
dpkg -s libxmlsec1-dev >/dev/null 2>&1 || need+=(libxmlsec1-dev)
dpkg -s pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "Missing system packages: ${need[*]} (install them, then re-run)" >&2; exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
