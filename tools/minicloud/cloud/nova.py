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
"""Nova: api, conductor, scheduler, compute (fake driver), the flavors.
"""

import os
import subprocess
import time

from .common import HOST
from .common import REGION
from .common import MinicloudError
from .common import log
from .common import path
from .common import run
from .common import venv_bin
from .common import write_file
from .component import Component
from .infra import NOVA_HOST
from .infra import TRANSPORT_URL
from .infra import authtoken
from .infra import copy_paste_ini
from .infra import db_url
from .infra import uwsgi_ini
from .placement import Placement
from .process import Api
from .process import Daemon
from .rest import Rest


class Nova(Component):
    name = "nova"
    packages = ["nova", "uwsgi", "PyMySQL", "python-novaclient"]
    requires = ["keystone", "glance", "placement", "neutron"]
    databases = ["nova_api", "nova", "nova_cell0"]
    service_user = "nova"
    catalog = [("compute", "nova", f"http://{HOST}:8774/v2.1")]
    flavors = [
        {"name": "m1.tiny", "id": "1", "ram": 512, "vcpus": 1, "disk": 1},
        {"name": "m1.small", "id": "2", "ram": 2048, "vcpus": 1,
         "disk": 20},
    ]

    def __init__(self):
        super().__init__()
        etc = path("etc", "nova")
        self.api = Api("nova-api", 8774, "etc/nova/uwsgi-api.ini")
        conf = ["--config-file", os.path.join(etc, "nova.conf")]
        self.procs = [
            self.api,
            Daemon("nova-conductor", conf, "conductor"),
            Daemon("nova-scheduler", conf, "scheduler"),
            Daemon("nova-compute",
                   ["--config-file", os.path.join(etc, "nova-cpu.conf")],
                   f"compute.{NOVA_HOST}", late=True),
        ]

    # No agent reports a plugged VIF (Neutron has none, the fake driver
    # plugs nothing): wait for no network-vif-plugged event.
    vif_plugging = {"vif_plugging_is_fatal": "false",
                    "vif_plugging_timeout": "0"}

    def spec(self):
        return [*super().spec(), self.flavors, self.vif_plugging]

    def configure(self):
        super().configure()
        etc = path("etc", "nova")
        data = path("data", "nova")
        for d in ("instances", "lock"):
            os.makedirs(os.path.join(data, d), exist_ok=True)
        copy_paste_ini("etc/nova/api-paste.ini",
                       os.path.join(etc, "api-paste.ini"))
        creds = authtoken("nova", self.password)
        service_user = authtoken("nova", self.password, "service_user",
                                 "send_service_user_token = true\n")
        region = f"region_name = {REGION}\n"
        vif_plugging = "".join(f"{k} = {v}\n"
                               for k, v in self.vif_plugging.items())
        placement = authtoken("placement", Placement().password,
                              "placement", region)
        neutron = authtoken("nova", self.password, "neutron", region)
        common = f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
[DEFAULT]
graceful_shutdown_timeout = 5
debug = false
log_dir = {path("logs")}
# persists the compute node id in state_path (plain FakeDriver does not,
# and a restarted nova-compute then refuses to start)
compute_driver = fake.FakeDriverWithoutFakeNodes
transport_url = {TRANSPORT_URL}
my_ip = {HOST}
host = {NOVA_HOST}
state_path = {data}
instances_path = {data}/instances
enabled_apis = osapi_compute
cpu_allocation_ratio = 16.0
ram_allocation_ratio = 1.5
{vif_plugging}
[wsgi]
api_paste_config = {etc}/api-paste.ini

[api]
auth_strategy = keystone

[conductor]
workers = 1

[scheduler]
workers = 1
discover_hosts_in_cells_interval = 10
{creds}{service_user}{placement}{neutron}
[glance]
region_name = {REGION}

[oslo_concurrency]
lock_path = {data}/lock

[oslo_messaging_notifications]
driver = noop

[vnc]
enabled = false
"""
        write_file(os.path.join(etc, "nova-cpu.conf"), common)
        write_file(os.path.join(etc, "nova.conf"), common + f"""
[api_database]
connection = {db_url("nova_api")}

[database]
connection = {db_url("nova")}
""")
        write_file(os.path.join(etc, "nova-api.conf"), f"""\
[DEFAULT]
log_file = {path("logs", "nova-api.log")}
""")
        write_file(os.path.join(etc, "uwsgi-api.ini"), uwsgi_ini(
            8774, "nova.wsgi.osapi_compute:application",
            env={"OS_NOVA_CONFIG_DIR": etc,
                 "OS_NOVA_CONFIG_FILES": "api-paste.ini;nova.conf;"
                                         "nova-api.conf"}))

    def nova_manage(self, *args, logfile=None):
        run([venv_bin("nova-manage"), "--config-file",
             path("etc", "nova", "nova.conf"), *args],
            logfile or path("logs", "nova-manage.log"))

    def db_sync(self, logfile):
        self.nova_manage("api_db", "sync", logfile=logfile)
        self.nova_manage("cell_v2", "map_cell0", "--database_connection",
                         db_url("nova_cell0"), logfile=logfile)
        self.nova_manage("db", "sync", logfile=logfile)
        out = subprocess.run(
            [venv_bin("nova-manage"), "--config-file",
             path("etc", "nova", "nova.conf"), "cell_v2", "list_cells"],
            capture_output=True, text=True, check=False).stdout
        if " cell1 " not in out:
            self.nova_manage("cell_v2", "create_cell", "--name", "cell1",
                             logfile=logfile)

    def fixtures(self, api):
        nova = Rest(self.api.url + "/v2.1")
        nova.token = api.token
        deadline = time.monotonic() + 120
        while True:
            _, body = nova.call("GET", "/os-services?binary=nova-compute")
            if any(s["state"] == "up" and s["host"] == NOVA_HOST
                   for s in body["services"]):
                break
            if time.monotonic() > deadline:
                raise MinicloudError(f"nova-compute not up: {body}")
            time.sleep(1)
        # os-hypervisors only lists hosts already mapped to a cell: wait
        # for the node's resource provider, then map it ourselves (the
        # scheduler's periodic discovery takes 30-60 s more).
        placement = Rest(f"http://{HOST}:8778")
        placement.token = api.token
        while True:
            _, body = nova.call("GET", "/os-hypervisors")
            if body.get("hypervisors"):
                break
            _, rps = placement.call("GET", "/resource_providers")
            if any(rp["name"] == NOVA_HOST
                   for rp in rps["resource_providers"]):
                self.nova_manage("cell_v2", "discover_hosts")
                continue
            if time.monotonic() > deadline:
                raise MinicloudError("nova-compute registered no node")
            time.sleep(1)
        _, body = nova.call("GET", "/flavors/detail?is_public=None")
        have = {f["name"]: f for f in body["flavors"]}
        flavors = {}
        for fl in self.flavors:
            f = have.get(fl["name"])
            if f is None:
                log(f"nova: creating flavor {fl['name']}")
                _, body = nova.call("POST", "/flavors", {"flavor": fl})
                f = body["flavor"]
            flavors[fl["name"]] = {k: f[k] for k in
                                   ("id", "name", "ram", "vcpus", "disk")}
        return {"flavors": flavors, "nova": {"compute_host": NOVA_HOST,
                                             "driver": "fake"}}
