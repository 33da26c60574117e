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
"""Aodh: api, evaluator, notifier, listener; alarms on Prometheus.
"""

import os

from .common import HOST
from .common import REGION
from .common import MinicloudError
from .common import path
from .common import run
from .common import venv_bin
from .common import write_file
from .component import ApiComponent
from .infra import TRANSPORT_URL
from .infra import authtoken
from .infra import db_url
from .infra import venv_package_file
from .process import Daemon


class Aodh(ApiComponent):
    name = "aodh"
    packages = ["aodh", "uwsgi", "PyMySQL"]
    # The evaluator loads its prometheus evaluator only when the catalog
    # has a metric-storage endpoint at its start.
    requires = ["keystone", "prometheus"]
    databases = ["aodh"]
    service_user = "aodh"
    api_name = "aodh-api"
    api_port = 8042
    catalog = [("alarming", "aodh", f"http://{HOST}:{api_port}")]
    # Seconds between two evaluations of every alarm (Aodh's default is
    # 60): an alarm fires within this (plus the query's own window).
    evaluation_interval = 2

    def __init__(self):
        super().__init__()
        conf = ["--config-file", path("etc", "aodh", "aodh.conf")]
        self.procs += [
            Daemon(f"aodh-{d}", [*conf, "--log-file",
                                 path("logs", f"aodh-{d}.log")])
            for d in ("evaluator", "notifier", "listener")]

    def spec(self):
        return [*super().spec(), self.requires, self.evaluation_interval]

    def cloud_data(self):
        data = super().cloud_data()
        data["aodh"] = {"evaluation_interval": self.evaluation_interval}
        return data

    def configure(self):
        super().configure()
        etc = path("etc", "aodh")
        conf = os.path.join(etc, "aodh.conf")
        # The package's paste file, but keystonemiddleware must read our
        # config file: it does not see the app's --config-file otherwise
        # (500 MissingAuthPlugin on every /v2 request).
        src = venv_package_file("aodh/api/api-paste.ini")
        if src is None:
            raise MinicloudError("aodh/api/api-paste.ini not in the venv")
        with open(src) as f:
            paste = f.read()
        marker = ("[filter:authtoken]\npaste.filter_factory = "
                  "keystonemiddleware.auth_token:filter_factory\n")
        if marker not in paste:
            raise MinicloudError(f"unexpected aodh paste file {src}")
        paste = paste.replace(marker, marker + f"oslo_config_file = {conf}\n")
        service_credentials = authtoken(
            "aodh", self.password, "service_credentials",
            f"region_name = {REGION}\ninterface = public\n")
        write_file(os.path.join(etc, "api-paste.ini"), paste)
        write_file(conf, f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
[DEFAULT]
debug = false
log_file = {path("logs", "aodh-api.log")}
transport_url = {TRANSPORT_URL}

[database]
connection = {db_url("aodh")}

[api]
paste_config = {etc}/api-paste.ini
auth_mode = keystone
gnocchi_external_project_owner = service
{authtoken("aodh", self.password)}
{service_credentials}
[evaluator]
evaluation_interval = {self.evaluation_interval}
""")
        # aodh.wsgi.api hard-codes argv=[]: pass the config file ourselves
        write_file(os.path.join(etc, "wsgi.py"), f"""\
# Written by tools/minicloud/minicloud.py: aodh.wsgi.api ignores argv.
from aodh.api import app
application = app.build_wsgi_app(argv=["--config-file", {conf!r}])
""")
        self.write_uwsgi_ini(os.path.join(etc, "wsgi.py"))

    def db_sync(self, logfile):
        run([venv_bin("aodh-dbsync"), "--config-file",
             path("etc", "aodh", "aodh.conf")], logfile)
