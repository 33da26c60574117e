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
"""Component: one `up` name with its processes, databases and fixtures.

ApiComponent is a Component around one API under uwsgi (Glance,
Placement, Neutron, Aodh).
"""

import hashlib
import json
import os
import time

from .common import apt_missing
from .common import installed_current
from .common import lock_digest
from .common import log
from .common import path
from .common import read_stripped
from .common import write_file
from .infra import SERVICE_INTERFACES
from .infra import TRANSPORT_URL
from .infra import read_cloud
from .infra import uwsgi_ini
from .process import Api
from .process import Daemon
from .rest import ensure_endpoints
from .rest import ensure_service_user


class Component:
    """One `up` name: its processes, databases, identity and fixtures.

    The steps (`cmd_up` runs each step for every component before the
    next): configure() writes etc/NAME, bootstrap() syncs the schema once
    per package set, identity(api) creates service users and catalog
    entries, the processes start, fixtures() creates test resources and
    returns what goes into cloud.json.
    """

    name = None
    packages = []
    apt_packages = {}  # Debian package -> a file it installs
    requires = []
    databases = []
    service_user = None
    catalog = []  # (type, name, url)

    def __init__(self):
        self.procs = []

    @property
    def password(self):
        return f"{self.service_user}-minicloud"

    def spec(self):
        """Anything whose change must re-run identity() and fixtures()."""
        return [self.service_user, self.catalog]

    def version(self):
        booted = read_stripped(path("data", "keystone", ".bootstrapped")) or ""
        return hashlib.sha256(json.dumps(
            [self.spec(), booted, TRANSPORT_URL], sort_keys=True).encode()
            ).hexdigest()[:16]

    def fixtures_current(self):
        return read_cloud().get("versions", {}).get(self.name) == \
            self.version()

    def installed(self):
        return ((not self.packages
                 or installed_current(self.name, self.packages))
                and not apt_missing(self.apt_packages))

    def is_current(self):
        return (self.installed()
                and all(p.running() and p.answering() for p in self.procs)
                and self.fixtures_current())

    def configure(self):
        for d in (f"etc/{self.name}", f"data/{self.name}", "logs", "run"):
            os.makedirs(path(d), exist_ok=True)

    def config_digest(self):
        """Digest of the files configure() writes (etc/NAME/)."""
        h = hashlib.sha256()
        etc = path("etc", self.name)
        for root, dirs, files in os.walk(etc):
            dirs.sort()
            for name in sorted(files):
                filename = os.path.join(root, name)
                h.update(os.path.relpath(filename, etc).encode() + b"\0")
                with open(filename, "rb") as f:
                    h.update(f.read() + b"\0")
        return h.hexdigest()

    def bootstrap(self):
        marker = path("data", self.name, ".db-synced")
        digest = f"{lock_digest(self.packages)}:{','.join(self.databases)}"
        if read_stripped(marker) == digest:
            return
        log(f"{self.name}: database schema sync")
        t = time.monotonic()
        self.db_sync(path("logs", f"{self.name}-db-sync.log"))
        write_file(marker, digest + "\n")
        log(f"{self.name}: schema synced in {time.monotonic() - t:.0f} s")

    def db_sync(self, logfile):
        pass

    def identity(self, api, ids):
        if self.service_user:
            uid = ensure_service_user(api, ids, self.service_user,
                                      self.password)
            ids.setdefault("users", {})[self.service_user] = uid
        for stype, sname, url in self.catalog:
            ensure_endpoints(api, stype, sname, url, SERVICE_INTERFACES)

    def fixtures(self, api):
        return {}

    def cloud_data(self):
        data = {"endpoints": {t: u for t, _, u in self.catalog}}
        if self.service_user:
            data["service_users"] = {self.service_user: {
                "name": self.service_user, "password": self.password,
                "project": "service"}}
        return data

    def daemons(self):
        return [p for p in self.procs if isinstance(p, Daemon)]

    def down(self):
        for p in reversed(self.procs):
            p.down()

    def status(self):
        for p in self.procs:
            p.status()


class ApiComponent(Component):
    """A Component around one API, served by uwsgi on api_port from
    etc/NAME/uwsgi.ini: self.api, the first of self.procs."""

    api_name = None  # the Api's (process) name; default: the component's
    api_port = None
    health_path = "/"

    def __init__(self):
        super().__init__()
        self.api = Api(self.api_name or self.name, self.api_port,
                       f"etc/{self.name}/uwsgi.ini", self.health_path)
        self.procs = [self.api]

    def write_uwsgi_ini(self, app, **kwargs):
        """Write etc/NAME/uwsgi.ini serving app (see infra.uwsgi_ini)."""
        write_file(path("etc", self.name, "uwsgi.ini"),
                   uwsgi_ini(self.api_port, app, **kwargs))
