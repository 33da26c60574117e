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
"""Glance: file store on SQLite, and the image solum-container-host.
"""

import os

from .common import HOST
from .common import log
from .common import path
from .common import run
from .common import venv_bin
from .common import write_file
from .component import ApiComponent
from .infra import authtoken
from .infra import copy_paste_ini
from .rest import Rest


class Glance(ApiComponent):
    name = "glance"
    packages = ["glance", "uwsgi", "python-glanceclient"]
    requires = ["keystone"]
    service_user = "glance"
    api_port = 9292
    health_path = "/versions"
    catalog = [("image", "glance", f"http://{HOST}:{api_port}")]
    image_name = "solum-container-host"
    image_bytes = 64 * 1024

    def spec(self):
        return [*super().spec(), self.image_name, self.image_bytes]

    def configure(self):
        super().configure()
        for d in ("images", "staging", "tasks", "cache", "lock"):
            os.makedirs(path("data", "glance", d), exist_ok=True)
        data = path("data", "glance")
        etc = path("etc", "glance")
        copy_paste_ini("etc/glance/glance-api-paste.ini",
                       os.path.join(etc, "glance-api-paste.ini"))
        write_file(os.path.join(etc, "glance-api.conf"), f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
[DEFAULT]
bind_host = {HOST}
bind_port = 9292
workers = 1
log_file = {path("logs", "glance-api.log")}
debug = false
enabled_backends = file:file
image_cache_dir = {data}/cache
lock_path = {data}/lock

[database]
connection = sqlite:///{data}/glance.sqlite

[glance_store]
default_backend = file

[file]
filesystem_store_datadir = {data}/images/

[os_glance_staging_store]
filesystem_store_datadir = {data}/staging/

[os_glance_tasks_store]
filesystem_store_datadir = {data}/tasks/

[image_format]
container_formats = ami,ari,aki,bare,ovf,ova,docker,compressed
disk_formats = ami,ari,aki,vhd,vhdx,vmdk,raw,qcow2,vdi,iso,ploop
{authtoken("glance", self.password)}
[paste_deploy]
flavor = keystone
config_file = {etc}/glance-api-paste.ini

[oslo_concurrency]
lock_path = {data}/lock
""")
        self.write_uwsgi_ini(
            "glance.wsgi.api:application",
            env={"OS_GLANCE_CONFIG_DIR": etc}, extra="""\
# glanceclient uploads with chunked transfer encoding
http-chunked-input = true
http-auto-chunked = true
http-raw-body = true
chunked-input-limit = 10485760
socket-timeout = 300
""")

    def db_sync(self, logfile):
        run([venv_bin("glance-manage"), "--config-file",
             path("etc", "glance", "glance-api.conf"), "db_sync"], logfile)

    def fixtures(self, api):
        glance = Rest(self.api.url)
        glance.token = api.token
        _, body = glance.call(
            "GET", f"/v2/images?name={self.image_name}")
        image = None
        for img in body.get("images", []):
            if img["status"] == "active" and image is None:
                image = img
            else:
                glance.call("DELETE", f"/v2/images/{img['id']}")
        if image is None:
            log(f"glance: uploading image {self.image_name}")
            _, image = glance.call("POST", "/v2/images", {
                "name": self.image_name, "disk_format": "raw",
                "container_format": "bare", "visibility": "public",
                "min_disk": 0, "min_ram": 0})
            glance.call("PUT", f"/v2/images/{image['id']}/file",
                        raw=b"\0" * self.image_bytes)
            _, image = glance.call("GET", f"/v2/images/{image['id']}")
        return {"images": {self.image_name: {
            "id": image["id"], "name": image["name"],
            "disk_format": image["disk_format"],
            "container_format": image["container_format"],
            "size": image["size"], "visibility": image["visibility"]}}}
