#!/usr/bin/env bash
# Installs Debian's Chromium for the browser-driven CLI login test (tests/cli/browser_login_test.ts).
# The test skips itself, saying why, when /usr/bin/chromium is still missing after this.
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "installing chromium from Debian (for tests/cli/browser_login_test.ts)" >&2
(apt-get install -y chromium || (apt-get update && apt-get install -y chromium)) >&2 ||
  echo "warning: chromium could not be installed; the browser login test will report itself skipped" >&2
exit 0
