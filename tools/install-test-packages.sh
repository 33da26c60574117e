#!/usr/bin/env bash
# Debian packages only the functional tests and benchmarks use: an sshd
# and a docker registry the builder's tests start on loopback themselves,
# wrk for the benchmarks, shellcheck for the DevStack plugin's scripts,
# and Chromium with its WebDriver for the dashboard's browser test
# (solum/tests/functional/test_dashboard.py). Services are not started by
# the install (policy-rc.d), only by the tests, on ports of their own.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(openssh-server docker-registry wrk shellcheck chromium
          chromium-driver)
missing=()
for p in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] \
        || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "[install-test-packages] all present (${PACKAGES[*]})"
    exit 0
fi
echo "[install-test-packages] installing ${missing[*]}"
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
