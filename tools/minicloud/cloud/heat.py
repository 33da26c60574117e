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
"""Heat: api, api-cfn, engine; the stack-user domain and owner grants.
"""

import os

from .common import HOST
from .common import REGION
from .common import VENV
from .common import path
from .common import run
from .common import venv_bin
from .common import write_file
from .component import Component
from .infra import NOVA_HOST
from .infra import SERVICE_INTERFACES
from .infra import TRANSPORT_URL
from .infra import authtoken
from .infra import copy_paste_ini
from .infra import db_url
from .infra import uwsgi_ini
from .process import Api
from .process import Daemon
from .rest import ensure_endpoints
from .rest import reset_password_if_needed


class Heat(Component):
    name = "heat"
    packages = ["openstack-heat", "uwsgi", "PyMySQL", "python-heatclient"]
    requires = ["keystone"]
    databases = ["heat"]
    service_user = "heat"
    catalog = [
        ("orchestration", "heat", f"http://{HOST}:8004/v1/%(project_id)s"),
        ("cloudformation", "heat-cfn", f"http://{HOST}:8000/v1"),
    ]
    # Catalog entries only: nothing listens there. Heat refuses even to
    # validate a template with OS::Octavia::* or OS::Zun::* resources when
    # their service is not in the catalog ("Service octavia is not
    # available"); with these it validates them (and a stack that creates
    # one fails on the connection).
    catalog_only = [
        ("load-balancer", "octavia", f"http://{HOST}:9876"),
        ("container", "zun", f"http://{HOST}:9517/v1"),
    ]
    stack_domain = "heat"
    domain_admin = "heat_domain_admin"
    stack_owner_grants = [("alice", "solum-test-a"), ("bob", "solum-test-b"),
                          ("admin", "admin")]

    def __init__(self):
        super().__init__()
        conf = ["--config-file", path("etc", "heat", "heat.conf")]
        self.api = Api("heat-api", 8004, "etc/heat/uwsgi-api.ini")
        self.cfn = Api("heat-api-cfn", 8000, "etc/heat/uwsgi-cfn.ini")
        self.procs = [Daemon("heat-engine", conf, "engine"), self.api,
                      self.cfn]

    def spec(self):
        return [*super().spec(), self.stack_domain, self.domain_admin,
                self.stack_owner_grants, self.catalog_only]

    def configure(self):
        super().configure()
        etc = path("etc", "heat")
        os.makedirs(path("data", "heat", "lock"), exist_ok=True)
        copy_paste_ini("etc/heat/api-paste.ini",
                       os.path.join(etc, "api-paste.ini"))
        creds = authtoken("heat", self.password)
        # without credentials and endpoint_override here a POST to a
        # presigned alarm_url fails: MissingAuthPlugin
        ec2 = authtoken("heat", self.password, "ec2authtoken",
                        f"auth_uri = http://{HOST}:5000/v3\n"
                        f"endpoint_override = http://{HOST}:5000\n")
        write_file(os.path.join(etc, "heat.conf"), f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
[DEFAULT]
graceful_shutdown_timeout = 5
debug = false
log_file = {path("logs", "heat-engine.log")}
transport_url = {TRANSPORT_URL}
num_engine_workers = 1
region_name_for_services = {REGION}
environment_dir = {VENV}/etc/heat/environment.d
template_dir = {VENV}/etc/heat/templates
heat_metadata_server_url = http://{HOST}:8000
heat_waitcondition_server_url = http://{HOST}:8000/v1/waitcondition
stack_domain_admin = {self.domain_admin}
stack_domain_admin_password = {self.domain_admin}-minicloud
stack_user_domain_name = {self.stack_domain}
host = {NOVA_HOST}
periodic_interval = 10

[database]
connection = {db_url("heat")}

[paste_deploy]
api_paste_config = {etc}/api-paste.ini

[oslo_messaging_notifications]
driver = noop
{creds}
[trustee]
auth_type = password
auth_url = http://{HOST}:5000
username = heat
password = {self.password}
user_domain_name = Default

[clients_keystone]
auth_uri = http://{HOST}:5000

[clients]
endpoint_type = public
{ec2}
[oslo_concurrency]
lock_path = {path("data", "heat", "lock")}
""")
        for ini, port, module, logname in (
                ("uwsgi-api.ini", 8004, "heat.wsgi.api", "heat-api"),
                ("uwsgi-cfn.ini", 8000, "heat.wsgi.cfn", "heat-api-cfn")):
            write_file(os.path.join(etc, ini), uwsgi_ini(
                port, f"{module}:application",
                pyargv=f"--config-file {etc}/heat.conf --log-file "
                       f"{path('logs', logname + '.log')}",
                extra="http-chunked-input = true\n"
                      "http-auto-chunked = true\n"))

    def db_sync(self, logfile):
        run([venv_bin("heat-manage"), "--config-file",
             path("etc", "heat", "heat.conf"), "db_sync"], logfile)

    def identity(self, api, ids):
        super().identity(api, ids)
        for stype, sname, url in self.catalog_only:
            ensure_endpoints(api, stype, sname, url, SERVICE_INTERFACES)
        for rn in ("heat_stack_owner", "heat_stack_user"):
            ids["roles"][rn] = api.ensure("roles", "role", {"name": rn},
                                          {"name": rn})[0]["id"]
        dom, _ = api.ensure("domains", "domain", {"name": self.stack_domain},
                            {"name": self.stack_domain, "enabled": True,
                             "description": "Heat stack projects, users"})
        u, created = api.ensure(
            "users", "user", {"name": self.domain_admin,
                              "domain_id": dom["id"]},
            {"name": self.domain_admin, "domain_id": dom["id"],
             "password": f"{self.domain_admin}-minicloud", "enabled": True})
        if not created:
            reset_password_if_needed(api, u, f"{self.domain_admin}-minicloud")
        api.call("PUT", f"/domains/{dom['id']}/users/{u['id']}/roles/"
                 f"{ids['roles']['admin']}")
        for user, project in self.stack_owner_grants:
            uid = api.find("users", name=user, domain_id="default")["id"]
            api.call("PUT", f"/projects/{ids['projects'][project]}/users/"
                     f"{uid}/roles/{ids['roles']['heat_stack_owner']}")

    def cloud_data(self):
        data = super().cloud_data()
        data["catalog_only"] = {t: u for t, _, u in self.catalog_only}
        data["heat"] = {
            "stack_user_domain": self.stack_domain,
            "stack_owner_role": "heat_stack_owner",
            "stack_owners": [{"user": u, "project": p}
                             for u, p in self.stack_owner_grants]}
        return data
