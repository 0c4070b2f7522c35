#!/usr/bin/env bash
# Installs Node 22 (the platform's node-<os>-<cpu> package: plain binaries, no install script) and jose
# from the npm registry into tests/node/node_modules for the Node part of the suite (tests/node/core.test.ts,
# run by tests/runtimes/node_test.ts). That test installs them itself when missing and reports itself
# skipped only if Node cannot be installed.
cd "$(dirname "$0")/../../tests/node" || exit 0
if [ -x node_modules/.bin/node ] && [ -f node_modules/jose/package.json ]; then
  exit 0
fi
echo "installing node 22 and jose from the npm registry into tests/node/node_modules" >&2
npm install --no-audit --no-fund >&2 ||
  echo "warning: node 22 could not be installed; the Node tests will report themselves skipped" >&2
exit 0
