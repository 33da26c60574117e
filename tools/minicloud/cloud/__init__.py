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
"""minicloud's code; tools/minicloud/minicloud.py runs cloud.cli.main().

Shared:
    common     settings (MINICLOUD_VENV, MINICLOUD_STATE), log, run,
               write_file, HTTP and port checks, pids, state lock,
               pip/apt installs
    rest       Keystone's v3 API over urllib (Rest), catalog entries,
               service users
    infra      MariaDB, RabbitMQ, cloud.json, config-file snippets
    process    Process, UwsgiService, Api, HttpDaemon, Daemon, wait_rpc
    component  Component, ApiComponent
Services, one module each (start order):
    keystone, glance, placement, neutron, nova, heat, prometheus, aodh
Commands:
    cli        up, down, status, reset; main()

Stdlib only: this runs before any virtualenv exists.
"""
