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
"""Neutron: the API server alone (ML2, no mechanism drivers, no agents).
"""

import os

from .common import HOST
from .common import path
from .common import run
from .common import venv_bin
from .common import write_file
from .component import ApiComponent
from .infra import TRANSPORT_URL
from .infra import authtoken
from .infra import copy_paste_ini
from .infra import db_url


class Neutron(ApiComponent):
    """Only the API server: Nova's server view asks it for security
    groups, even for servers without networks. No agents."""

    name = "neutron"
    packages = ["neutron", "uwsgi", "PyMySQL"]
    requires = ["keystone"]
    databases = ["neutron"]
    service_user = "neutron"
    api_port = 9696
    catalog = [("network", "neutron", f"http://{HOST}:{api_port}")]

    def configure(self):
        super().configure()
        etc = path("etc", "neutron")
        os.makedirs(os.path.join(etc, "plugins", "ml2"), exist_ok=True)
        os.makedirs(path("data", "neutron", "lock"), exist_ok=True)
        copy_paste_ini("etc/neutron/api-paste.ini",
                       os.path.join(etc, "api-paste.ini"))
        write_file(os.path.join(etc, "neutron.conf"), f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
[DEFAULT]
debug = false
log_file = {path("logs", "neutron-api.log")}
bind_host = {HOST}
core_plugin = ml2
service_plugins =
auth_strategy = keystone
transport_url = {TRANSPORT_URL}
api_paste_config = {etc}/api-paste.ini
state_path = {path("data", "neutron")}
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0

[database]
connection = {db_url("neutron")}
{authtoken("neutron", self.password)}
[oslo_concurrency]
lock_path = {path("data", "neutron", "lock")}

[oslo_messaging_notifications]
driver = noop
""")
        write_file(os.path.join(etc, "plugins", "ml2", "ml2_conf.ini"), """\
# Written by tools/minicloud/minicloud.py: API only, no mechanism drivers
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers =
extension_drivers = port_security

[ml2_type_vxlan]
vni_ranges = 1:1000

[ml2_type_flat]
flat_networks = *
""")
        self.write_uwsgi_ini("neutron.wsgi.api:application",
                             env={"OS_NEUTRON_CONFIG_DIR": etc})

    def db_sync(self, logfile):
        etc = path("etc", "neutron")
        run([venv_bin("neutron-db-manage"),
             "--config-file", os.path.join(etc, "neutron.conf"),
             "--config-file", os.path.join(etc, "plugins", "ml2",
                                           "ml2_conf.ini"),
             "upgrade", "heads"], logfile)
