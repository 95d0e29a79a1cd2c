#!/usr/bin/env bash
# The test command of the README's Quick start (and of CI: .ci/run calls this file).
# Installs the npm packages from the lockfile, then runs `npm test`: typecheck, lint (with the layering
# rule), and every test with Node's test runner. Tests that need real components (Docker Engine, etcd,
# skopeo, the reference registry) install the Debian packages they need when run as root on Debian.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "stevedore: Node.js >= 20 and npm are required (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi
node -e 'const [maj] = process.versions.node.split(".").map(Number); if (maj < 20) { console.error(`stevedore: Node.js >= 20 is required, found ${process.versions.node}`); process.exit(1); }'

echo "==> npm ci"
npm ci --no-audit --no-fund
echo "==> build the web dashboard (its end-to-end test drives the built files)"
npm run --silent build:dashboard
echo "==> npm test"
npm test
