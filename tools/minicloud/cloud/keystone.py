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
"""Keystone: SQLite, fernet tokens, the identities of Solum's tests.

Keystone is a UwsgiService with its own up() and keystone.json;
KeystoneComponent lets `up`, `down` and `status` treat it as a Component.
"""

import grp
import hashlib
import json
import os
import pwd
import time

from .common import HOST
from .common import REGION
from .common import VENV
from .common import installed_current
from .common import log
from .common import path
from .common import run
from .common import venv_bin
from .common import write_file
from .component import Component
from .process import UwsgiService
from .rest import Rest
from .rest import RestError
from .rest import ensure_endpoints


class Keystone(UwsgiService):
    name = "keystone"
    port = 5000
    packages = ["keystone", "uwsgi", "python-openstackclient"]
    health_path = "/v3"
    admin_password = "admin"  # noqa: S105 - loopback test cloud

    # Identity fixtures for Solum's tests. Any change here changes
    # fixtures_version(), and the next `up` re-applies them.
    service_user = {"name": "solum", "password": "solum-service-password",
                    "project": "service", "roles": ["service", "admin"]}
    test_projects = ["solum-test-a", "solum-test-b"]
    test_users = [
        {"name": "alice", "password": "alice-secret",
         "project": "solum-test-a", "role": "member"},
        {"name": "bob", "password": "bob-secret",
         "project": "solum-test-b", "role": "member"},
        {"name": "rita", "password": "rita-secret",
         "project": "solum-test-a", "role": "reader"},
    ]
    catalog = [{"type": "application_deployment", "name": "solum",
                "url": f"http://{HOST}:9777",
                "interfaces": ["public", "internal"]}]

    @property
    def auth_url(self):
        return f"{self.url}/v3"

    @property
    def json_file(self):
        return path("keystone.json")

    def fixtures_version(self):
        spec = [self.service_user, self.test_projects, self.test_users,
                self.catalog, self.auth_url]
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()
                              ).hexdigest()[:16]

    def is_current(self):
        return self.fixtures_current()

    def uwsgi_env(self):
        return {"OS_KEYSTONE_CONFIG_DIR": path("etc", "keystone")}

    def after_start(self):
        if not self.fixtures_current():
            self.fixtures()

    def fixtures_current(self):
        try:
            with open(self.json_file) as f:
                data = json.load(f)
        except (OSError, ValueError):
            return False
        return data.get("fixtures_version") == self.fixtures_version()

    # -- steps
    def configure(self):
        for d in ("etc/keystone", "logs", "run"):
            os.makedirs(path(d), exist_ok=True)
        for d in ("data/keystone/fernet-keys",
                  "data/keystone/credential-keys"):
            os.makedirs(path(d), exist_ok=True)
            os.chmod(path(d), 0o700)  # keystone warns when world readable
        write_file(path("etc", "keystone", "keystone.conf"), f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
[DEFAULT]
log_file = {path("logs", "keystone.log")}
debug = false

[database]
connection = sqlite:///{path("data", "keystone", "keystone.sqlite")}

[token]
provider = fernet

[fernet_tokens]
key_repository = {path("data", "keystone", "fernet-keys")}

[credential]
key_repository = {path("data", "keystone", "credential-keys")}

[identity]
# fast password hashing: test passwords only
password_hash_rounds = 4

[cache]
# One keystone process, so an in-process cache is safe. Without it every
# request runs ~300 SQL queries and takes 0.4-1 s instead of ~15 ms.
enabled = true
backend = oslo_cache.dict
expiration_time = 600
""")
        write_file(path("etc", "keystone", "uwsgi.ini"), f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
[uwsgi]
http-socket = {HOST}:{self.port}
virtualenv = {VENV}
module = keystone.wsgi.api:application
env = OS_KEYSTONE_CONFIG_DIR={path("etc", "keystone")}
master = true
# One process, one thread: Keystone runs on SQLite, and concurrent
# requests in threads have been seen to fail with "database is locked"
# (a 500 and a dropped connection) and to check one request's policy
# against another's token scope ("requires a scope of ['project'],
# request was made with domain scope" while Heat's domain-scoped stack
# user was being deleted). Requests take ~15 ms with the cache.
processes = 1
threads = 1
enable-threads = true
lazy-apps = true
die-on-term = true
need-app = true
buffer-size = 65535
# http-socket + client keep-alive -> "connection reset by peer" on the
# second request of a session: close every connection.
add-header = Connection: close
# no uwsgi `pidfile`: minicloud writes run/keystone.pid itself (atomically)
""")

    def bootstrap(self):
        marker = path("data", "keystone", ".bootstrapped")
        if os.path.exists(marker):
            return
        log("keystone: db_sync, fernet_setup, credential_setup, bootstrap")
        conf = path("etc", "keystone", "keystone.conf")
        km = [venv_bin("keystone-manage"), "--config-file", conf]
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        owner = ["--keystone-user", user, "--keystone-group", group]
        logfile = path("logs", "keystone-manage.log")
        run([*km, "db_sync"], logfile)
        run([*km, "fernet_setup", *owner], logfile)
        run([*km, "credential_setup", *owner], logfile)
        endpoint = self.auth_url + "/"
        run([*km, "bootstrap",
             "--bootstrap-password", self.admin_password,
             "--bootstrap-region-id", REGION,
             "--bootstrap-admin-url", endpoint,
             "--bootstrap-internal-url", endpoint,
             "--bootstrap-public-url", endpoint], logfile)
        write_file(marker, time.strftime("%Y-%m-%dT%H:%M:%S\n"))
        log("keystone: bootstrap done")

    def fixtures(self):
        log("keystone: projects, users, roles, catalog")
        api = Rest(self.auth_url)
        api.login("admin", self.admin_password, "admin")
        dom = {"domain_id": "default"}

        roles = {}
        for rn in ("admin", "member", "reader", "service"):
            roles[rn] = api.ensure("roles", "role", {"name": rn},
                                   {"name": rn})[0]["id"]

        projects = {}
        for pn in ("admin", "service", *self.test_projects):
            p, created = api.ensure(
                "projects", "project", {"name": pn, **dom},
                {"name": pn, "description": "minicloud: Solum tests", **dom})
            projects[pn] = {"name": pn, "id": p["id"]}

        def ensure_user(name, password, project):
            u, created = api.ensure(
                "users", "user", {"name": name, **dom},
                {"name": name, "password": password, "enabled": True,
                 "default_project_id": projects[project]["id"], **dom})
            if not created and not password_works(name, password):
                # Keystone revokes the user's tokens on a password change,
                # at one-second granularity: see the sleep below.
                log(f"keystone: resetting the password of {name}")
                api.call("PATCH", f"/users/{u['id']}", {"user": {
                    "password": password, "enabled": True}})
                changed.append(name)
            return u["id"]

        def password_works(name, password):
            try:
                Rest(self.auth_url).call("POST", "/auth/tokens", {"auth": {
                    "identity": {"methods": ["password"], "password": {
                        "user": {"name": name, "password": password,
                                 "domain": {"id": "default"}}}}}},
                    expect=(201,))
            except RestError as e:
                if e.status == 401:
                    return False
                raise
            return True

        changed = []

        def grant(user_id, project, role):
            api.call("PUT", f"/projects/{projects[project]['id']}/users/"
                     f"{user_id}/roles/{roles[role]}")

        admin_id = api.find("users", name="admin", **dom)["id"]
        grant(admin_id, "admin", "admin")

        su = self.service_user
        su_id = ensure_user(su["name"], su["password"], su["project"])
        for rn in su["roles"]:
            grant(su_id, su["project"], rn)

        users = {}
        for tu in self.test_users:
            uid = ensure_user(tu["name"], tu["password"], tu["project"])
            grant(uid, tu["project"], tu["role"])
            users[tu["name"]] = {
                "name": tu["name"], "id": uid, "password": tu["password"],
                "project": tu["project"],
                "project_id": projects[tu["project"]]["id"],
                "role": tu["role"]}

        services = {}
        for entry in self.catalog:
            svc = ensure_endpoints(api, entry["type"], entry["name"],
                                   entry["url"], entry["interfaces"])
            services[entry["type"]] = {
                "id": svc["id"], "name": entry["name"],
                "url": entry["url"], "region": REGION,
                "interfaces": entry["interfaces"]}

        if changed:
            # A token issued in the same second as the revocation event
            # is treated as revoked (404 on validation): let it pass.
            time.sleep(1.1)
        data = {
            "fixtures_version": self.fixtures_version(),
            "auth_url": self.auth_url,
            "region": REGION,
            "user_domain_id": "default",
            "project_domain_id": "default",
            "roles": roles,
            "admin": {"name": "admin", "id": admin_id,
                      "password": self.admin_password, "project": "admin",
                      "project_id": projects["admin"]["id"],
                      "role": "admin"},
            "service_user": {"name": su["name"], "id": su_id,
                             "password": su["password"],
                             "project": su["project"],
                             "project_id": projects[su["project"]]["id"],
                             "roles": su["roles"]},
            "projects": projects,
            "users": users,
            "services": services,
        }
        write_file(self.json_file, json.dumps(data, indent=2) + "\n")
        write_file(path("admin-openrc"), "".join(
            f"export {k}={v}\n" for k, v in (
                ("OS_AUTH_URL", self.auth_url),
                ("OS_USERNAME", "admin"),
                ("OS_PASSWORD", self.admin_password),
                ("OS_PROJECT_NAME", "admin"),
                ("OS_USER_DOMAIN_ID", "default"),
                ("OS_PROJECT_DOMAIN_ID", "default"),
                ("OS_REGION_NAME", REGION),
                ("OS_IDENTITY_API_VERSION", "3"),
                ("OS_INTERFACE", "public"))))
        log(f"keystone: wrote {self.json_file}")

    def status_extra(self):
        booted = os.path.exists(path("data", "keystone", ".bootstrapped"))
        fixtures = self.json_file if self.fixtures_current() else "-"
        return f"; bootstrapped: {booted}; fixtures: {fixtures}"


class KeystoneComponent(Component):
    """Adapter: Keystone keeps its own up() (keystone.json fixtures)."""

    name = "keystone"

    def __init__(self, keystone):
        super().__init__()
        self.keystone = keystone
        self.procs = [keystone]
        self.packages = keystone.packages

    def is_current(self):
        return (installed_current("keystone", self.packages)
                and self.keystone.running() and self.keystone.answering()
                and self.keystone.is_current())

    def down(self):
        self.keystone.down()

    def status(self):
        self.keystone.status()
