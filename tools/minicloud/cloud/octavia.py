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
"""Octavia: the API and a controller worker with no-op amphorae.

octavia-api (uwsgi, 127.0.0.1:9876) with the ``amphora`` provider, and an
octavia-worker whose amphora, compute, image, volume and network drivers
are Octavia's own no-op drivers (as in Octavia's noop test jobs): load
balancers, listeners, pools, members and health monitors go through the
real API, database, RPC and controller flows and really go ACTIVE, but no
amphora boots and no traffic moves (the functional harness stands in for
the amphora with an HAProxy of its own at the VIP).

One difference from the noop jobs: the API allocates the VIP with the
real Neutron driver (``allowed_address_pairs_driver``), so the VIP is a
real Neutron port (``octavia-lb-<id>``) on the load balancer's subnet;
the worker (no-op network driver) neither plugs nor deletes it (a
deleted load balancer leaves that port for its owner to delete).
No health manager or housekeeping: no amphora ever sends a heartbeat.
"""

import hashlib
import os

from .common import HERE
from .common import HOST
from .common import REGION
from .common import path
from .common import run
from .common import venv_bin
from .common import write_file
from .component import ApiComponent
from .infra import TRANSPORT_URL
from .infra import authtoken
from .infra import db_url
from .neutron import install_plugin
from .process import Daemon

NETWORK_PLUGIN = os.path.join(HERE, "venv_plugins", "minicloud_octavia.py")

# the v2 controller worker's queue (its topic is fixed)
RPC_QUEUE = "octavia_provisioning_v2"


class Octavia(ApiComponent):
    name = "octavia"
    packages = ["octavia", "uwsgi", "PyMySQL"]
    apt_packages = {"openssl": "/usr/bin/openssl"}  # the worker's CA
    requires = ["keystone", "neutron"]
    databases = ["octavia"]
    service_user = "octavia"
    api_name = "octavia-api"
    api_port = 9876
    catalog = [("load-balancer", "octavia", f"http://{HOST}:{api_port}")]
    noop = {"amphora_driver": "amphora_noop_driver",
            "compute_driver": "compute_noop_driver",
            # Octavia's network_noop_driver, with the VIP's network
            # plugged (venv_plugins/minicloud_octavia.py)
            "network_driver": "minicloud_noop",
            "volume_driver": "volume_noop_driver",
            "image_driver": "image_noop_driver"}

    def __init__(self):
        super().__init__()
        self.procs.append(Daemon("octavia-worker", [
            "--config-file", path("etc", "octavia", "octavia.conf"),
            "--config-file", path("etc", "octavia", "worker.conf")],
            RPC_QUEUE))

    def spec(self):
        with open(NETWORK_PLUGIN, "rb") as f:
            plugin = hashlib.sha256(f.read()).hexdigest()[:16]
        return [*super().spec(), self.requires, self.noop, plugin]

    def make_ca(self):
        """The CA the worker's local cert generator signs the (no-op)
        amphorae's certificates with."""
        ca = path("data", "octavia", "ca")
        cert = os.path.join(ca, "ca.pem")
        key = os.path.join(ca, "ca.key")
        if not (os.path.exists(cert) and os.path.exists(key)):
            os.makedirs(ca, exist_ok=True)
            run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                 "-nodes", "-days", "3650", "-subj", "/CN=minicloud-octavia",
                 "-keyout", key, "-out", cert],
                path("logs", "octavia-ca.log"))
        return cert, key

    def configure(self):
        super().configure()
        etc = path("etc", "octavia")
        conf = os.path.join(etc, "octavia.conf")
        cert, key = self.make_ca()
        drivers = "\n".join(f"{k} = {v}" for k, v in self.noop.items()
                            if k != "network_driver")
        write_file(conf, f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
[DEFAULT]
debug = false
transport_url = {TRANSPORT_URL}

[api_settings]
bind_host = {HOST}
bind_port = {self.api_port}
auth_strategy = keystone
enabled_provider_drivers = amphora:The no-op amphora driver
default_provider_driver = amphora

[database]
connection = {db_url("octavia")}

[oslo_messaging_notifications]
driver = noop

[controller_worker]
{drivers}
# the API allocates the VIP: a real Neutron port on the LB's subnet
network_driver = allowed_address_pairs_driver
loadbalancer_topology = SINGLE
client_ca = {cert}
amp_image_tag = minicloud-noop
amp_flavor_id = minicloud-noop
amp_boot_network_list = minicloud-noop
amp_active_retries = 3
amp_active_wait_sec = 1

[task_flow]
jobboard_enabled = false

[haproxy_amphora]
connection_max_retries = 1
connection_retry_interval = 1
build_active_retries = 3
build_retry_interval = 1

[certificates]
cert_generator = local_cert_generator
ca_certificate = {cert}
ca_private_key = {key}

[health_manager]
heartbeat_key = minicloud

[neutron]
region_name = {REGION}
valid_interfaces = public
{authtoken("octavia", self.password, "service_auth")}
[oslo_policy]
enforce_scope = false
enforce_new_defaults = true
{authtoken("octavia", self.password)}""")
        plugin = install_plugin(
            NETWORK_PLUGIN, "minicloud_octavia-1.0.dist-info",
            "octavia.network.drivers",
            "minicloud_noop = minicloud_octavia:VipPluggedNoopNetworkDriver")
        # The worker's own file, read after octavia.conf: no-op network
        # driver (it plugs nothing; the VIP port stays as the API made it)
        write_file(os.path.join(etc, "worker.conf"), f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
# network driver: venv_plugins/minicloud_octavia.py {plugin}
[DEFAULT]
log_file = {path("logs", "octavia-worker.log")}

[controller_worker]
network_driver = {self.noop["network_driver"]}
""")
        # octavia.wsgi.api reads sys.argv: pass the config file ourselves
        write_file(os.path.join(etc, "wsgi.py"), f"""\
# Written by tools/minicloud/minicloud.py: octavia.wsgi.api reads argv.
from octavia.api import app
application = app.setup_app(argv=[
    "octavia-api", "--config-file", {conf!r},
    "--log-file", {path("logs", "octavia-api.log")!r}])
""")
        self.write_uwsgi_ini(os.path.join(etc, "wsgi.py"))

    def db_sync(self, logfile):
        run([venv_bin("octavia-db-manage"), "--config-file",
             path("etc", "octavia", "octavia.conf"), "upgrade", "head"],
            logfile)
