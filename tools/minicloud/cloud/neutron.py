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
"""Neutron: the API server alone (ML2, no agents), with the minicloud's
own mechanism driver that binds every port.
"""

import glob
import hashlib
import os

from .common import HERE
from .common import HOST
from .common import VENV
from .common import MinicloudError
from .common import path
from .common import run
from .common import venv_bin
from .common import write_file
from .component import ApiComponent
from .infra import TRANSPORT_URL
from .infra import authtoken
from .infra import copy_paste_ini
from .infra import db_url

ML2_PLUGIN = os.path.join(HERE, "venv_plugins", "minicloud_ml2.py")
ML2_DIST = "minicloud_ml2-1.0.dist-info"


def install_ml2_plugin():
    """Put venv_plugins/minicloud_ml2.py into the venv's site-packages
    with a dist-info whose entry point names it ``minicloud_bindall``
    for stevedore; return the digest of the driver's source (ml2_conf.ini
    carries it, so a changed driver restarts Neutron)."""
    sites = glob.glob(os.path.join(VENV, "lib", "python3*",
                                   "site-packages"))
    if len(sites) != 1:
        raise MinicloudError(f"no single site-packages in {VENV}: {sites}")
    with open(ML2_PLUGIN) as f:
        source = f.read()
    site = sites[0]
    dist = os.path.join(site, ML2_DIST)
    os.makedirs(dist, exist_ok=True)
    write_file(os.path.join(site, "minicloud_ml2.py"), source)
    write_file(os.path.join(dist, "METADATA"),
               "Metadata-Version: 2.1\nName: minicloud-ml2\nVersion: 1.0\n")
    write_file(os.path.join(dist, "entry_points.txt"),
               "[neutron.ml2.mechanism_drivers]\n"
               "minicloud_bindall = minicloud_ml2:BindAllMechanismDriver\n")
    write_file(os.path.join(dist, "INSTALLER"), "minicloud\n")
    write_file(os.path.join(dist, "RECORD"),
               f"minicloud_ml2.py,,\n{ML2_DIST}/METADATA,,\n"
               f"{ML2_DIST}/entry_points.txt,,\n{ML2_DIST}/INSTALLER,,\n"
               f"{ML2_DIST}/RECORD,,\n")
    return hashlib.sha256(source.encode()).hexdigest()[:16]


class Neutron(ApiComponent):
    """Only the API server: Nova's server view asks it for security
    groups, even for servers without networks. No agents; ports are
    bound by minicloud_bindall (venv_plugins/minicloud_ml2.py), so Nova
    boots servers on tenant networks."""

    name = "neutron"
    packages = ["neutron", "uwsgi", "PyMySQL"]
    requires = ["keystone"]
    databases = ["neutron"]
    service_user = "neutron"
    api_port = 9696
    catalog = [("network", "neutron", f"http://{HOST}:{api_port}")]
    mechanism_drivers = "minicloud_bindall"

    def spec(self):
        # a changed driver (or its file) reconfigures and restarts Neutron
        with open(ML2_PLUGIN, "rb") as f:
            plugin = hashlib.sha256(f.read()).hexdigest()[:16]
        return [*super().spec(), self.mechanism_drivers, plugin]

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
        plugin = install_ml2_plugin()
        write_file(os.path.join(etc, "plugins", "ml2", "ml2_conf.ini"), f"""\
# Written by tools/minicloud/minicloud.py: API only, no agents; the
# minicloud's driver binds every port (minicloud_ml2 {plugin})
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = {self.mechanism_drivers}
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
