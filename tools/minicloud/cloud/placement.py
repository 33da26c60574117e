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
"""Placement: the API on MariaDB (Nova's resource providers).
"""

import os

from .common import HOST
from .common import path
from .common import run
from .common import venv_bin
from .common import write_file
from .component import ApiComponent
from .infra import authtoken
from .infra import db_url


class Placement(ApiComponent):
    name = "placement"
    packages = ["openstack-placement", "uwsgi", "PyMySQL"]
    requires = ["keystone"]
    databases = ["placement"]
    service_user = "placement"
    api_port = 8778
    catalog = [("placement", "placement", f"http://{HOST}:{api_port}")]

    def configure(self):
        super().configure()
        etc = path("etc", "placement")
        write_file(os.path.join(etc, "placement.conf"), f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
[DEFAULT]
debug = false
log_file = {path("logs", "placement.log")}

[placement_database]
connection = {db_url("placement")}

[api]
auth_strategy = keystone
{authtoken("placement", self.password)}""")
        self.write_uwsgi_ini("placement.wsgi.api:application",
                             env={"OS_PLACEMENT_CONFIG_DIR": etc})

    def db_sync(self, logfile):
        run([venv_bin("placement-manage"), "--config-file",
             path("etc", "placement", "placement.conf"), "db", "sync"],
            logfile)
