#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""minicloud: real OpenStack services from PyPI on loopback, for Solum tests.

Usage::

    minicloud.py up [SERVICE ...]     # idempotent; default: every service
    minicloud.py down [SERVICE ...]   # stop what minicloud started
    minicloud.py status
    minicloud.py reset                # down + delete the state directory

Services: keystone, glance, placement, neutron, nova, heat, prometheus,
aodh; `all` (the default) is every one. `up NAME` also brings up what
NAME needs (nova: keystone, glance, placement, neutron; aodh:
prometheus). Heat, Nova, Placement, Neutron and Aodh use the MariaDB and
RabbitMQ already running on 127.0.0.1 (tools/ensure-services.sh starts
them); Prometheus and its Pushgateway are Debian packages, installed
with apt-get when missing.

Environment:
    MINICLOUD_VENV   virtualenv of the services
                     (default /opt/solum-minicloud/venv)
    MINICLOUD_STATE  config, data, logs, pids, keystone.json, cloud.json
                     (default /var/lib/solum-minicloud)

Stdlib only: this script runs before any virtualenv exists. The
code is the package cloud/ next to this file (cloud/cli.py: the
commands; one module per service); this file only runs it.
"""

import os
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from cloud.cli import main  # noqa: E402 - needs HERE on sys.path

if __name__ == "__main__":
    sys.exit(main())
