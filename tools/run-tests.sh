#!/usr/bin/env bash
# The whole test suite: style (ruff), unit tests (Solum's, and the Horizon
# plugin's), functional tests against real services (SQLite, MariaDB,
# PostgreSQL, RabbitMQ, Keystone, Podman) and the dashboard in Chromium.
# Installs what the tests need first. Pass tox env names to narrow it:
#   tools/run-tests.sh            # pep8, py3, dashboard, functional
#   tools/run-tests.sh py3        # unit tests only
set -euo pipefail
cd "$(dirname "$0")/.."

envs=${*:-pep8,py3,dashboard,functional}
envs=${envs// /,}

if [[ $envs == *functional* ]]; then
    tools/ensure-services.sh
    tools/install-container-tools.sh
    tools/install-test-packages.sh
    # Base images, once (the deployer's tests run them directly).
    PYTHONPATH=. python3 -m solum.builder.base_images python nodejs
    tools/minicloud/minicloud.py up all
fi

TOOLS_VENV=${SOLUM_TOOLS_VENV:-$HOME/.cache/solum/tools-venv}
if [ ! -x "$TOOLS_VENV/bin/tox" ]; then
    echo "[run-tests] installing tox into $TOOLS_VENV"
    python3 -m venv "$TOOLS_VENV"
    "$TOOLS_VENV/bin/pip" install -q 'tox>=4'
fi
exec "$TOOLS_VENV/bin/tox" -e "$envs"
