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


def install_plugin(source_file, dist, group, entry):
    """Put venv_plugins/MODULE.py (source_file) into the venv's
    site-packages with a dist-info (dist) whose entry point ``entry``
    (``name = module:Class``) in ``group`` stevedore finds; return the
    digest of the module's source (the service's config carries it, so
    a changed plugin restarts the service)."""
    sites = glob.glob(os.path.join(VENV, "lib", "python3*",
                                   "site-packages"))
    if len(sites) != 1:
        raise MinicloudError(f"no single site-packages in {VENV}: {sites}")
    with open(source_file) as f:
        source = f.read()
    module = os.path.basename(source_file)
    site = sites[0]
    dist_dir = os.path.join(site, dist)
    os.makedirs(dist_dir, exist_ok=True)
    name = dist.split("-", 1)[0].replace("_", "-")
    write_file(os.path.join(site, module), source)
    write_file(os.path.join(dist_dir, "METADATA"),
               f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    write_file(os.path.join(dist_dir, "entry_points.txt"),
               f"[{group}]\n{entry}\n")
    write_file(os.path.join(dist_dir, "INSTALLER"), "minicloud\n")
    write_file(os.path.join(dist_dir, "RECORD"),
               f"{module},,\n{dist}/METADATA,,\n"
               f"{dist}/entry_points.txt,,\n{dist}/INSTALLER,,\n"
               f"{dist}/RECORD,,\n")
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def install_ml2_plugin():
    """venv_plugins/minicloud_ml2.py as the ML2 mechanism driver
    ``minicloud_bindall``."""
    return install_plugin(
        ML2_PLUGIN, ML2_DIST, "neutron.ml2.mechanism_drivers",
        "minicloud_bindall = minicloud_ml2:BindAllMechanismDriver")


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
