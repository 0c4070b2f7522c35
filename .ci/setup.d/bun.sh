#!/usr/bin/env bash
# Installs Bun and jose from the npm registry into tests/bun/node_modules for the Bun part of the suite
# (tests/bun/core.test.ts, run by tests/runtimes/bun_test.ts). That test installs them itself when
# missing and reports itself skipped only if Bun cannot be installed.
cd "$(dirname "$0")/../../tests/bun" || exit 0
if [ -x node_modules/.bin/bun ] && [ -f node_modules/jose/package.json ]; then
  exit 0
fi
echo "installing bun and jose from the npm registry into tests/bun/node_modules" >&2
npm install --no-audit --no-fund >&2 ||
  echo "warning: bun could not be installed; the Bun tests will report themselves skipped" >&2
exit 0
