#!/usr/bin/env bash
# The start command of the README's Quick start. Installs the npm packages when they are missing, then
# starts what Stevedore has so far: the standalone registry, without authentication, on loopback only
# (token auth arrives with the control plane). Extra arguments go to `stevedore registry serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
fi
data_dir=${STEVEDORE_DATA_DIR:-/var/lib/stevedore}
if [ "$(id -u)" != 0 ] && [ -z "${STEVEDORE_DATA_DIR:-}" ]; then data_dir="$HOME/.stevedore"; fi
exec npx --no-install stevedore registry serve --listen 127.0.0.1:5443 --auth none --data-dir "$data_dir" "$@"
