#!/usr/bin/env bash
# The start command of the README's Quick start. Installs the npm packages when they are missing, then
# runs `stevedore up`: makes sure the Docker Engine is installed and running (Debian's docker.io), turns
# on Swarm mode, and starts the registry and the controller with the embedded store in /var/lib/stevedore
# (as root). Extra arguments go to `stevedore up` (see `npx stevedore up --help`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
fi
echo "==> build the web dashboard (apps/dashboard/dist, served by the controller at /)"
npm run --silent build:dashboard
exec node apps/cli/bin/stevedore.js up "$@"
