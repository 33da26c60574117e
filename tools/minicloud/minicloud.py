#!/usr/bin/env python3
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
"""minicloud: real OpenStack services from PyPI on loopback, for Solum tests.

Usage::

    minicloud.py up [SERVICE ...]     # idempotent; default: every service
    minicloud.py down [SERVICE ...]   # stop what minicloud started
    minicloud.py status
    minicloud.py reset                # down + delete the state directory

Services: keystone, glance, placement, neutron, nova, heat, prometheus,
aodh; `all` (the default) is every one. `up NAME` also brings up what
NAME needs (nova: keystone, glance, placement, neutron; aodh:
prometheus). Heat, Nova, Placement, Neutron and Aodh use the MariaDB and
RabbitMQ already running on 127.0.0.1 (tools/ensure-services.sh starts
them); Prometheus and its Pushgateway are Debian packages, installed
with apt-get when missing.

Environment:
    MINICLOUD_VENV   virtualenv of the services
                     (default /opt/solum-minicloud/venv)
    MINICLOUD_STATE  config, data, logs, pids, keystone.json, cloud.json
                     (default /var/lib/solum-minicloud)

Stdlib only: this script runs before any virtualenv exists.
"""

import argparse
import contextlib
import fcntl
import grp
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
LOCK_FILE = os.path.join(HERE, "requirements.lock")
VENV = os.path.abspath(
    os.environ.get("MINICLOUD_VENV", "/opt/solum-minicloud/venv"))
STATE = os.path.abspath(
    os.environ.get("MINICLOUD_STATE", "/var/lib/solum-minicloud"))
STATE_MARKER = ".minicloud-state"
HOST = "127.0.0.1"
REGION = "RegionOne"

T0 = time.monotonic()


class MinicloudError(Exception):
    pass


_LOG_LOCK = threading.Lock()


def log(msg):
    with _LOG_LOCK:  # schema syncs log from threads
        print(f"[{time.monotonic() - T0:6.1f}s] {msg}", flush=True)


def path(*parts):
    return os.path.join(STATE, *parts)


def venv_bin(name):
    return os.path.join(VENV, "bin", name)


def tail(filename, lines=40):
    try:
        with open(filename, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"(cannot read {filename}: {e})"


def run(cmd, logfile, env=None, timeout=900):
    """Run an argument list, output appended to logfile; raise on failure."""
    with open(logfile, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        try:
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env,
                                timeout=timeout, check=False).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    if rc != 0:
        raise MinicloudError(
            f"command failed ({rc}): {' '.join(cmd)}\n"
            f"--- last lines of {logfile} ---\n{tail(logfile)}")


def write_file(filename, content, mode=0o644):
    """Write atomically; return True when the content changed."""
    try:
        with open(filename) as f:
            if f.read() == content:
                return False
    except OSError:
        pass
    tmp = f"{filename}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(content)
    os.chmod(tmp, mode)
    os.replace(tmp, filename)
    return True


def http_ok(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310
            return 200 <= r.status < 400
    except (OSError, urllib.error.URLError):
        return False


def port_in_use(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


def pid_alive(pidfile, expect="uwsgi"):
    """PID from pidfile if that process runs and looks like ours."""
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError):
        return None
    return pid if expect in cmdline else None


@contextlib.contextmanager
def state_lock():
    """Serialise concurrent minicloud runs (parallel test workers)."""
    os.makedirs(STATE, exist_ok=True)
    marker = path(STATE_MARKER)
    if not os.path.exists(marker):
        write_file(marker, "state directory of tools/minicloud/minicloud.py\n")
    with open(path(".lock"), "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another minicloud run ({path('.lock')})")
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# ---------------------------------------------------------------- install

def installed_current(name, packages):
    return _read(os.path.join(VENV, f".minicloud-{name}.sha256")) == \
        lock_digest(packages)


def lock_digest(packages):
    h = hashlib.sha256()
    with open(LOCK_FILE, "rb") as f:
        h.update(f.read())
    h.update(" ".join(sorted(packages)).encode())
    return h.hexdigest()


def ensure_installed(name, packages):
    """pip install packages into the venv unless already done (marker)."""
    marker = os.path.join(VENV, f".minicloud-{name}.sha256")
    digest = lock_digest(packages)
    if _read(marker) == digest:
        return False
    pip_install(packages)
    write_file(marker, digest + "\n")
    return True


def pip_install(packages):
    os.makedirs(path("logs"), exist_ok=True)
    pip_log = path("logs", "pip-install.log")
    if not os.path.exists(venv_bin("python")):
        log(f"creating virtualenv {VENV}")
        os.makedirs(os.path.dirname(VENV), exist_ok=True)
        run([sys.executable, "-m", "venv", VENV], pip_log)
        run([venv_bin("python"), "-m", "pip", "install", "-q", "--upgrade",
             "pip", "setuptools", "wheel"], pip_log)
    log(f"pip install {' '.join(packages)} (constraints: {LOCK_FILE}; "
        f"log: {pip_log})")
    t = time.monotonic()
    run([venv_bin("python"), "-m", "pip", "install", "-q", "-c", LOCK_FILE,
         *packages], pip_log)
    log(f"install done in {time.monotonic() - t:.0f} s")


def apt_missing(packages):
    """The Debian packages (package -> a file it installs) not there."""
    return sorted(p for p, f in packages.items() if not os.path.exists(f))


def apt_install(packages):
    """apt-get install the missing Debian packages (as root); when that
    fails (package lists missing or stale), apt-get update and once more.
    The packages' scripts do not start their services here (policy-rc.d);
    minicloud runs its own copy on loopback."""
    missing = apt_missing(packages)
    if not missing:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise MinicloudError(
            f"Debian packages {', '.join(missing)} are missing and cannot "
            "be installed here (needs apt-get as root): install them first")
    os.makedirs(path("logs"), exist_ok=True)
    apt_log = path("logs", "apt-install.log")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log(f"apt-get install {' '.join(missing)} (log: {apt_log})")
    t = time.monotonic()
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends",
               *missing]
    try:
        run(install, apt_log, env=env, timeout=600)
    except MinicloudError:
        log("apt-get install failed: apt-get update, then once more")
        run(["apt-get", "update", "-q"], apt_log, env=env, timeout=600)
        run(install, apt_log, env=env, timeout=600)
    still = apt_missing(packages)
    if still:
        raise MinicloudError(f"apt-get installed {', '.join(still)} but "
                             f"their files are not there; see {apt_log}")
    log(f"apt install done in {time.monotonic() - t:.0f} s")


# ---------------------------------------------------------------- keystone

class RestError(MinicloudError):
    def __init__(self, method, url, status, body):
        super().__init__(f"{method} {url} -> HTTP {status}: {body[:500]}")
        self.status = status


class Rest:
    """Just enough of the Keystone v3 API over urllib."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.token = None

    def call(self, method, url, body=None, expect=(200, 201, 204),
             raw=None, headers=None):
        data = json.dumps(body).encode() if body is not None else raw
        req = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
            self.base + url, data=data, method=method)
        req.add_header("Accept", "application/json")
        if body is not None:
            req.add_header("Content-Type", "application/json")
        elif raw is not None:
            req.add_header("Content-Type", "application/octet-stream")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        if self.token:
            req.add_header("X-Auth-Token", self.token)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:  # noqa: S310
                status, rheaders, out = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, rheaders, out = e.code, e.headers, e.read()
        if status not in expect:
            raise RestError(method, url, status, out.decode(errors="replace"))
        return rheaders, (json.loads(out) if out else {})

    def login(self, user, password, project):
        headers, _ = self.call("POST", "/auth/tokens", {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "password": password,
                "domain": {"id": "default"}}}},
            "scope": {"project": {"name": project,
                                  "domain": {"id": "default"}}}}})
        self.token = headers["X-Subject-Token"]

    def find(self, collection, **query):
        q = urllib.parse.urlencode(query)
        _, body = self.call("GET", f"/{collection}?{q}")
        items = body[collection]
        return items[0] if items else None

    def ensure(self, collection, key, query, create):
        found = self.find(collection, **query)
        if found:
            return found, False
        _, body = self.call("POST", f"/{collection}", {key: create})
        return body[key], True


def ensure_endpoints(api, stype, name, url, interfaces):
    """Catalog service of type stype with url on each interface."""
    svc, _ = api.ensure("services", "service", {"type": stype},
                        {"type": stype, "name": name, "enabled": True})
    for iface in interfaces:
        ep = api.find("endpoints", service_id=svc["id"], interface=iface)
        want = {"url": url, "region_id": REGION}
        if ep is None:
            api.call("POST", "/endpoints", {"endpoint": {
                "service_id": svc["id"], "interface": iface, **want}})
        elif any(ep.get(k) != v for k, v in want.items()):
            api.call("PATCH", f"/endpoints/{ep['id']}", {"endpoint": want})
    return svc


class UwsgiService:
    """An OpenStack API served by uwsgi on HOST:port, plus its setup.

    Subclasses set name/port/packages/health_path and implement
    configure() (write etc/NAME/*), bootstrap() (one-time DB and key
    setup) and after_start() (fixtures); uwsgi_ini() returns the ini path.
    Keystone is one; the other services are Components (below) made of
    Api (a UwsgiService) and Daemon processes.
    """

    name = None
    port = None
    packages = []
    health_path = "/"
    kind = "uwsgi"

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    @property
    def pidfile(self):
        return path("run", f"{self.name}.pid")

    @property
    def uwsgi_log(self):
        return path("logs", f"{self.name}-uwsgi.log")

    def uwsgi_ini(self):
        return path("etc", self.name, "uwsgi.ini")

    def uwsgi_env(self):
        return {}

    # -- hooks
    def configure(self):
        pass

    def bootstrap(self):
        pass

    def after_start(self):
        pass

    def is_current(self):
        """True when a running service needs nothing more from `up`."""
        return True

    # -- state
    def running(self):
        return pid_alive(self.pidfile)

    def answering(self):
        return http_ok(self.url + self.health_path)

    # -- commands
    def up(self):
        if (installed_current(self.name, self.packages) and self.running()
                and self.answering() and self.is_current()):
            log(f"{self.name}: already up on {self.url}")
            return
        ensure_installed(self.name, self.packages)
        self.configure()
        self.bootstrap()
        self.start()
        self.after_start()
        log(f"{self.name}: up on {self.url}")

    def start(self, timeout=90):
        self.launch()
        self.wait_ready(timeout)

    def command(self):
        return [venv_bin("uwsgi"), "--ini", self.uwsgi_ini()]

    def launch(self):
        """Start the server unless it runs; do not wait for it to
        answer."""
        self._proc = None
        if self.running():
            if not self.answering():
                log(f"{self.name}: running but not answering yet")
            return
        if port_in_use(self.port):
            raise MinicloudError(
                f"{HOST}:{self.port} is already in use by a process "
                f"that minicloud did not start from {STATE} (no live "
                f"pidfile {self.pidfile}); stop it first (ss -ltnp)")
        log(f"{self.name}: starting {self.kind} on {HOST}:{self.port} "
            f"(log: {self.uwsgi_log})")
        with open(self.uwsgi_log, "a") as out:
            proc = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(os.environ, **self.uwsgi_env()), cwd=STATE,
                start_new_session=True)
        # start_new_session: the server leads its own process group and
        # outlives this script. No uwsgi `pidfile` option: minicloud
        # writes run/NAME.pid itself, atomically.
        write_file(self.pidfile, f"{proc.pid}\n")
        self._proc = proc

    def wait_ready(self, timeout=90):
        proc = getattr(self, "_proc", None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answering():
                log(f"{self.name}: answering on {self.url}")
                return
            if proc is not None and proc.poll() is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.pidfile)
                raise MinicloudError(
                    f"{self.name}'s uwsgi exited with status "
                    f"{proc.returncode}\n--- last lines of {self.uwsgi_log}"
                    f" ---\n{tail(self.uwsgi_log, 25)}")
            if proc is None and not self.running():
                break  # it died while we waited
            time.sleep(0.25)
        raise MinicloudError(
            f"{self.name} did not answer on {self.url}{self.health_path} "
            f"within {timeout} s (uwsgi running: {bool(self.running())})\n"
            f"--- last lines of {self.uwsgi_log} ---\n{tail(self.uwsgi_log)}"
            f"--- last lines of {path('logs', self.name + '.log')} ---\n"
            f"{tail(path('logs', self.name + '.log'))}")

    def down(self):
        pid = self.running()
        if pid:
            log(f"{self.name}: stopping {self.kind} (pid {pid})")
            stop_pid(pid)
            log(f"{self.name}: stopped")
        else:
            log(f"{self.name}: not running")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.pidfile)

    def status(self):
        pid = self.running()
        running = f"running pid {pid}" if pid else "stopped"
        answer = "answering" if self.answering() else "not answering"
        print(f"{self.name:16} {running:18} {self.url} {answer}"
              f"{self.status_extra()}")

    def status_extra(self):
        return ""


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


def _read(filename):
    try:
        with open(filename) as f:
            return f.read().strip()
    except OSError:
        return None


def stop_pid(pid, timeout=15):
    """SIGTERM the process (and its session group), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            # reap it if it happens to be our child
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
    raise MinicloudError(f"pid {pid} did not stop")


# ---------------------------------------------------------------- shared

MYSQL_PORT = 3306
RABBIT_PORT = 5672
DB_PREFIX = "minicloud_"
DB_USER = "minicloud"
DB_PASSWORD = "minicloud"  # noqa: S105 - loopback test cloud
RABBIT_VHOST = "minicloud"
TRANSPORT_URL = f"rabbit://guest:guest@{HOST}:{RABBIT_PORT}/{RABBIT_VHOST}"
NOVA_HOST = "minicloud"
SERVICE_INTERFACES = ["public", "internal", "admin"]


def db_url(name):
    return (f"mysql+pymysql://{DB_USER}:{DB_PASSWORD}@{HOST}:{MYSQL_PORT}/"
            f"{DB_PREFIX}{name}?charset=utf8")


def http_answers(url, timeout=2.0):
    """True when anything answers HTTP below 500 (auth errors count)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310
            return r.status < 500
    except urllib.error.HTTPError as e:
        return e.code < 500
    except (OSError, urllib.error.URLError):
        return False


def check_infra():
    missing = [f"{name} on {HOST}:{port}" for name, port in
               (("MariaDB", MYSQL_PORT), ("RabbitMQ", RABBIT_PORT))
               if not port_in_use(port)]
    if missing:
        raise MinicloudError(
            f"{' and '.join(missing)} not reachable; start them with "
            "tools/ensure-services.sh")


_MYSQL_SCRIPT = r"""
import json
import sys

import pymysql

args = json.loads(sys.argv[1])
c = pymysql.connect(host=args["host"], port=args["port"], user="root",
                    password="")
cur = c.cursor()
for name in args["databases"]:
    if args["drop"]:
        cur.execute("DROP DATABASE IF EXISTS `%s`" % name)
    else:
        cur.execute("CREATE DATABASE IF NOT EXISTS `%s` "
                    "CHARACTER SET utf8" % name)
if not args["drop"]:
    # `minicloud\_%` matches minicloud_* only (_ is a wildcard too)
    pattern = args["prefix"].replace("_", "\\_") + "%%"
    for host in ("127.0.0.1", "localhost"):
        cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s",
                    (args["user"], host, args["password"]))
        cur.execute("GRANT ALL PRIVILEGES ON `" + pattern + "`.* "
                    "TO %s@%s", (args["user"], host))
c.commit()
"""


def ensure_databases(names, drop=False):
    """Create (or drop) the minicloud_NAME databases and the minicloud
    user, as MariaDB's root. Runs PyMySQL in the venv: this script itself
    is stdlib only."""
    args = {"host": HOST, "port": MYSQL_PORT, "user": DB_USER,
            "password": DB_PASSWORD, "prefix": DB_PREFIX, "drop": drop,
            "databases": [DB_PREFIX + n for n in names]}
    os.makedirs(path("logs"), exist_ok=True)
    run([venv_bin("python"), "-c", _MYSQL_SCRIPT, json.dumps(args)],
        path("logs", "mariadb.log"))


def rabbitmqctl(*args):
    out = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True,
                         text=True, timeout=60, check=False)
    if out.returncode != 0:
        raise MinicloudError(f"rabbitmqctl {' '.join(args)} failed: "
                             f"{out.stdout}{out.stderr}")
    return out.stdout


def ensure_vhost():
    if RABBIT_VHOST not in rabbitmqctl("list_vhosts").split():
        log(f"rabbitmq: creating vhost {RABBIT_VHOST}")
        rabbitmqctl("add_vhost", RABBIT_VHOST)
    rabbitmqctl("set_permissions", "-p", RABBIT_VHOST, "guest",
                ".*", ".*", ".*")


def rpc_consumers():
    out = rabbitmqctl("list_queues", "-p", RABBIT_VHOST, "name", "consumers")
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            found[parts[0]] = int(parts[1])
    return found


CLOUD_JSON = "cloud.json"


def read_cloud():
    try:
        with open(path(CLOUD_JSON)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def update_cloud(**sections):
    """Merge sections (dicts merged one level deep) into cloud.json."""
    data = read_cloud()
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    write_file(path(CLOUD_JSON), json.dumps(data, indent=2,
                                            sort_keys=True) + "\n")


def uwsgi_ini(port, app, env=None, pyargv=None, extra=""):
    """uwsgi.ini text; app is 'module:callable' or a wsgi file path."""
    lines = ["# Written by tools/minicloud/minicloud.py; rewritten on every"
             " `up`.", "[uwsgi]", f"http-socket = {HOST}:{port}",
             f"virtualenv = {VENV}"]
    if app.endswith(".py"):
        lines.append(f"wsgi-file = {app}")
    else:
        lines.append(f"module = {app}")
    lines += [f"env = {k}={v}" for k, v in (env or {}).items()]
    if pyargv:
        lines.append(f"pyargv = {pyargv}")
    lines += ["master = true", "processes = 1", "threads = 4",
              "enable-threads = true", "lazy-apps = true",
              "die-on-term = true", "need-app = true",
              "buffer-size = 65535",
              "# keep-alive + http-socket resets the 2nd request: close",
              "add-header = Connection: close"]
    return "\n".join(lines) + "\n" + extra


def authtoken(user, password, section="keystone_authtoken", extra=""):
    """A keystoneauth password section, plus extra lines (the
    keystone_authtoken section also gets www_authenticate_uri)."""
    if section == "keystone_authtoken":
        extra = f"www_authenticate_uri = http://{HOST}:5000/v3\n" + extra
    return f"""
[{section}]
{extra}auth_url = http://{HOST}:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = {user}
password = {password}
"""


def copy_paste_ini(src, dest):
    """The service's own api-paste.ini from the venv, into etc/."""
    with open(os.path.join(VENV, src)) as f:
        write_file(dest, f.read())


class Api(UwsgiService):
    """An API of a Component, served by uwsgi."""

    def __init__(self, name, port, ini, health_path="/"):
        self.name = name
        self.port = port
        self.ini = ini
        self.health_path = health_path

    def uwsgi_ini(self):
        return path(*self.ini.split("/"))

    def answering(self):
        return http_answers(self.url + self.health_path)


class HttpDaemon(Api):
    """A component's HTTP server that is a program of its own (not a
    WSGI app under uwsgi), such as Prometheus: `args` after the binary,
    output to logs/NAME.log, readiness by GET health_path."""

    def __init__(self, name, port, binary, args, health_path="/"):
        super().__init__(name, port, None, health_path)
        self.binary = binary
        self.args = args
        self.kind = os.path.basename(binary)

    @property
    def uwsgi_log(self):  # the process's own output
        return path("logs", f"{self.name}.log")

    def running(self):
        return pid_alive(self.pidfile, expect=os.path.basename(self.binary))

    def answering(self):
        return http_ok(self.url + self.health_path)

    def command(self):
        return [self.binary, *self.args]


class Daemon:
    """A non-HTTP process of a Component (heat-engine, nova-compute...).

    rpc_queue: the RabbitMQ queue it consumes once it is ready.
    """

    def __init__(self, name, args, rpc_queue=None, late=False):
        self.name = name
        self.args = args
        self.rpc_queue = rpc_queue
        self.late = late  # started once the others consume their queues
        self._proc = None

    @property
    def pidfile(self):
        return path("run", f"{self.name}.pid")

    @property
    def out_log(self):
        return path("logs", f"{self.name}.out")

    def running(self):
        return pid_alive(self.pidfile, expect=self.name)

    def answering(self):
        return bool(self.running())

    def launch(self):
        self._proc = None
        if self.running():
            return
        log(f"{self.name}: starting (log: {self.out_log})")
        with open(self.out_log, "a") as out:
            self._proc = subprocess.Popen(
                [venv_bin(self.name), *self.args],
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, cwd=STATE,
                start_new_session=True)
        write_file(self.pidfile, f"{self._proc.pid}\n")

    def check_alive(self):
        if self._proc is not None and self._proc.poll() is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.pidfile)
            raise MinicloudError(
                f"{self.name} exited with status {self._proc.returncode}\n"
                f"--- last lines of {self.out_log} ---\n"
                f"{tail(self.out_log, 25)}")

    def wait_ready(self, timeout=120):
        self.check_alive()

    def down(self):
        pid = self.running()
        if pid:
            log(f"{self.name}: stopping (pid {pid})")
            stop_pid(pid)
            log(f"{self.name}: stopped")
        else:
            log(f"{self.name}: not running")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.pidfile)

    def status(self):
        pid = self.running()
        running = f"running pid {pid}" if pid else "stopped"
        queue = f"rpc queue {self.rpc_queue}" if self.rpc_queue else ""
        print(f"{self.name:16} {running:18} {queue}")


def wait_rpc(daemons, timeout=180):
    """Wait until every daemon's RPC queue has a consumer."""
    want = {d.rpc_queue: d for d in daemons if d.rpc_queue}
    if not want:
        return
    log(f"waiting for RPC consumers: {', '.join(sorted(want))}")
    deadline = time.monotonic() + timeout
    while True:
        for d in want.values():
            d.check_alive()
        found = rpc_consumers()
        missing = [q for q in want if found.get(q, 0) < 1]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise MinicloudError(
                f"no RPC consumer on {', '.join(missing)} after {timeout} s"
                "; see " + ", ".join(want[q].out_log for q in missing))
        time.sleep(1)


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
        booted = _read(path("data", "keystone", ".bootstrapped")) or ""
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
        if _read(marker) == digest:
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


def ensure_service_user(api, ids, name, password):
    dom = {"domain_id": "default"}
    u, created = api.ensure("users", "user", {"name": name, **dom},
                            {"name": name, "password": password,
                             "enabled": True,
                             "default_project_id": ids["projects"]["service"],
                             **dom})
    if not created:
        reset_password_if_needed(api, u, password)
    for role in ("admin", "service"):
        api.call("PUT", f"/projects/{ids['projects']['service']}/users/"
                 f"{u['id']}/roles/{ids['roles'][role]}")
    return u["id"]


def reset_password_if_needed(api, user, password):
    """PATCH the password only when it fails: a change revokes the
    user's tokens (those of running services too)."""
    try:
        Rest(api.base).call("POST", "/auth/tokens", {"auth": {"identity": {
            "methods": ["password"], "password": {"user": {
                "id": user["id"], "password": password}}}}}, expect=(201,))
        return
    except RestError as e:
        if e.status != 401:
            raise
    log(f"keystone: resetting the password of {user['name']}")
    api.call("PATCH", f"/users/{user['id']}", {"user": {
        "password": password, "enabled": True}})
    time.sleep(1.1)  # see Keystone.fixtures: same-second revocation


class Glance(Component):
    name = "glance"
    packages = ["glance", "uwsgi", "python-glanceclient"]
    requires = ["keystone"]
    service_user = "glance"
    catalog = [("image", "glance", f"http://{HOST}:9292")]
    image_name = "solum-container-host"
    image_bytes = 64 * 1024

    def __init__(self):
        super().__init__()
        self.api = Api("glance", 9292, "etc/glance/uwsgi.ini", "/versions")
        self.procs = [self.api]

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
        write_file(os.path.join(etc, "uwsgi.ini"), uwsgi_ini(
            9292, "glance.wsgi.api:application",
            env={"OS_GLANCE_CONFIG_DIR": etc}, extra="""\
# glanceclient uploads with chunked transfer encoding
http-chunked-input = true
http-auto-chunked = true
http-raw-body = true
chunked-input-limit = 10485760
socket-timeout = 300
"""))

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


class Placement(Component):
    name = "placement"
    packages = ["openstack-placement", "uwsgi", "PyMySQL"]
    requires = ["keystone"]
    databases = ["placement"]
    service_user = "placement"
    catalog = [("placement", "placement", f"http://{HOST}:8778")]

    def __init__(self):
        super().__init__()
        self.api = Api("placement", 8778, "etc/placement/uwsgi.ini")
        self.procs = [self.api]

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
        write_file(os.path.join(etc, "uwsgi.ini"), uwsgi_ini(
            8778, "placement.wsgi.api:application",
            env={"OS_PLACEMENT_CONFIG_DIR": etc}))

    def db_sync(self, logfile):
        run([venv_bin("placement-manage"), "--config-file",
             path("etc", "placement", "placement.conf"), "db", "sync"],
            logfile)


class Neutron(Component):
    """Only the API server: Nova's server view asks it for security
    groups, even for servers without networks. No agents."""

    name = "neutron"
    packages = ["neutron", "uwsgi", "PyMySQL"]
    requires = ["keystone"]
    databases = ["neutron"]
    service_user = "neutron"
    catalog = [("network", "neutron", f"http://{HOST}:9696")]

    def __init__(self):
        super().__init__()
        self.api = Api("neutron", 9696, "etc/neutron/uwsgi.ini")
        self.procs = [self.api]

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
        write_file(os.path.join(etc, "plugins", "ml2", "ml2_conf.ini"), """\
# Written by tools/minicloud/minicloud.py: API only, no mechanism drivers
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers =
extension_drivers = port_security

[ml2_type_vxlan]
vni_ranges = 1:1000

[ml2_type_flat]
flat_networks = *
""")
        write_file(os.path.join(etc, "uwsgi.ini"), uwsgi_ini(
            9696, "neutron.wsgi.api:application",
            env={"OS_NEUTRON_CONFIG_DIR": etc}))

    def db_sync(self, logfile):
        etc = path("etc", "neutron")
        run([venv_bin("neutron-db-manage"),
             "--config-file", os.path.join(etc, "neutron.conf"),
             "--config-file", os.path.join(etc, "plugins", "ml2",
                                           "ml2_conf.ini"),
             "upgrade", "heads"], logfile)


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

    def spec(self):
        return [*super().spec(), self.flavors]

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


class Prometheus(Component):
    """Prometheus and its Pushgateway (Debian packages), the metric store
    of Aodh's `prometheus` alarms (OS::Aodh::PrometheusAlarm).

    Tests push their samples to the Pushgateway, which Prometheus scrapes
    every second (a cloud scrapes its telemetry, e.g. Ceilometer's
    exporter, instead; the series' names and labels are its own). The
    catalog's `metric-storage` endpoint (where a cloud runs Aetos, the
    Keystone-aware proxy) is Prometheus itself: Aodh's evaluator finds it
    there, and its queries pass through unauthenticated.
    """

    name = "prometheus"
    apt_packages = {"prometheus": "/usr/bin/prometheus",
                    "prometheus-pushgateway":
                        "/usr/bin/prometheus-pushgateway"}
    requires = ["keystone"]
    port = 9090
    pushgateway_port = 9091
    scrape_interval = 1  # s: a pushed sample is queryable within ~1 s
    catalog = [("metric-storage", "prometheus", f"http://{HOST}:{port}")]

    def __init__(self):
        super().__init__()
        self.pushgateway = HttpDaemon(
            "pushgateway", self.pushgateway_port,
            self.apt_packages["prometheus-pushgateway"],
            [f"--web.listen-address={HOST}:{self.pushgateway_port}"],
            "/-/ready")
        self.server = HttpDaemon(
            "prometheus", self.port, self.apt_packages["prometheus"],
            [f"--config.file={path('etc', 'prometheus', 'prometheus.yml')}",
             f"--storage.tsdb.path={path('data', 'prometheus', 'tsdb')}",
             "--storage.tsdb.retention.time=1d",
             f"--web.listen-address={HOST}:{self.port}"],
            "/-/ready")
        self.procs = [self.pushgateway, self.server]

    def spec(self):
        return [*super().spec(), self.scrape_interval,
                self.pushgateway_port]

    def configure(self):
        super().configure()
        os.makedirs(path("data", "prometheus", "tsdb"), exist_ok=True)
        write_file(path("etc", "prometheus", "prometheus.yml"), f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
global:
  scrape_interval: {self.scrape_interval}s
  scrape_timeout: {self.scrape_interval}s
  evaluation_interval: 15s
scrape_configs:
  # Tests push their samples here; honor_labels keeps the pushed job and
  # labels (project, resource, server_group...).
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ['{HOST}:{self.pushgateway_port}']
""")

    def bootstrap(self):
        pass  # no database: Prometheus keeps its own TSDB in data/

    def cloud_data(self):
        data = super().cloud_data()
        data["prometheus"] = {
            "url": self.server.url,
            "pushgateway": self.pushgateway.url,
            "scrape_interval": self.scrape_interval,
            "project_label": "project"}
        return data


class Aodh(Component):
    name = "aodh"
    packages = ["aodh", "uwsgi", "PyMySQL"]
    # The evaluator loads its prometheus evaluator only when the catalog
    # has a metric-storage endpoint at its start.
    requires = ["keystone", "prometheus"]
    databases = ["aodh"]
    service_user = "aodh"
    catalog = [("alarming", "aodh", f"http://{HOST}:8042")]
    # Seconds between two evaluations of every alarm (Aodh's default is
    # 60): an alarm fires within this (plus the query's own window).
    evaluation_interval = 2

    def __init__(self):
        super().__init__()
        conf = ["--config-file", path("etc", "aodh", "aodh.conf")]
        self.api = Api("aodh-api", 8042, "etc/aodh/uwsgi.ini")
        self.procs = [self.api] + [
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
        src = _venv_package_file("aodh/api/api-paste.ini")
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
        write_file(os.path.join(etc, "uwsgi.ini"), uwsgi_ini(
            8042, os.path.join(etc, "wsgi.py")))

    def db_sync(self, logfile):
        run([venv_bin("aodh-dbsync"), "--config-file",
             path("etc", "aodh", "aodh.conf")], logfile)


def _venv_package_file(relpath):
    for lib in ("lib", "lib64"):
        base = os.path.join(VENV, lib)
        if not os.path.isdir(base):
            continue
        for py in sorted(os.listdir(base)):
            candidate = os.path.join(base, py, "site-packages", relpath)
            if os.path.exists(candidate):
                return candidate
    return None


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


KEYSTONE = Keystone()

# Start order; `down` goes in reverse.
SERVICES = {c.name: c for c in (
    KeystoneComponent(KEYSTONE), Glance(), Placement(), Neutron(), Nova(),
    Heat(), Prometheus(), Aodh())}


def selected(names):
    if not names or "all" in names:
        return list(SERVICES.values())
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise MinicloudError(f"unknown service(s) {', '.join(unknown)}; "
                             f"known: all, {', '.join(SERVICES)}")
    want = set()

    def add(n):
        if n not in want:
            want.add(n)
            for r in SERVICES[n].requires:
                add(r)
    for n in names:
        add(n)
    return [c for n, c in SERVICES.items() if n in want]


def install_all(comps):
    """One pip run for every component whose packages are not current,
    and meanwhile one apt-get run for the Debian packages missing."""
    apt = {}
    for c in comps:
        apt.update(c.apt_packages)
    apt_errors = []

    def install_apt():
        try:
            apt_install(apt)
        except Exception as e:  # noqa: BLE001 - raised below
            apt_errors.append(e)
    apt_thread = None
    if apt_missing(apt):
        apt_thread = threading.Thread(target=install_apt)
        apt_thread.start()
    try:
        todo = [c for c in comps if c.packages
                and not installed_current(c.name, c.packages)]
        if todo:
            pip_install(sorted({p for c in todo for p in c.packages}))
            for c in todo:
                write_file(os.path.join(VENV, f".minicloud-{c.name}.sha256"),
                           lock_digest(c.packages) + "\n")
    finally:
        if apt_thread is not None:
            apt_thread.join()
    if apt_errors:
        raise apt_errors[0]


def stop_all(procs):
    """Stop processes side by side (each may wait for its own exit)."""
    threads = [threading.Thread(target=p.down) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def keystone_ids(api):
    ids = {"roles": {}, "projects": {}}
    for rn in ("admin", "member", "reader", "service"):
        ids["roles"][rn] = api.find("roles", name=rn)["id"]
    for pn in ("admin", "service", *Keystone.test_projects):
        ids["projects"][pn] = api.find("projects", name=pn,
                                       domain_id="default")["id"]
    return ids


def cmd_up(args):
    with state_lock():
        comps = selected(args.services)
        if all(c.is_current() for c in comps):
            log(f"already up: {', '.join(c.name for c in comps)}")
            return
        others = [c for c in comps if c.name != "keystone"]
        if any(c.databases for c in others):
            check_infra()
        install_all(comps)
        KEYSTONE.up()
        todo = [c for c in others if not c.is_current()]
        if not todo:
            log("up: done")
            return
        os.makedirs(path("logs"), exist_ok=True)
        dbs = [d for c in todo for d in c.databases]
        if dbs:
            ensure_databases(dbs)
            ensure_vhost()
        stale_procs = []
        for c in todo:
            before = c.config_digest()
            c.configure()
            if c.config_digest() != before:
                # Running processes still have the old config: restart.
                stale_procs += [p for p in c.procs if p.running()]
        if stale_procs:
            log("config changed, restarting "
                f"{', '.join(p.name for p in stale_procs)}")
            stop_all(stale_procs)
        errors = []

        def sync(c):
            try:
                c.bootstrap()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(f"{c.name}: {e}")
        threads = [threading.Thread(target=sync, args=(c,)) for c in todo]
        for t in threads:
            t.start()
        api = Rest(KEYSTONE.auth_url)
        api.login("admin", KEYSTONE.admin_password, "admin")
        stale = [c for c in todo if not c.fixtures_current()]
        if stale:
            log("keystone: service users, catalog for "
                f"{', '.join(c.name for c in stale)}")
            ids = keystone_ids(api)
            for c in stale:
                c.identity(api, ids)
        for t in threads:
            t.join()
        if errors:
            raise MinicloudError("schema sync failed:\n" + "\n".join(errors))
        # APIs first: nova-compute needs placement when it starts
        apis = [p for c in todo for p in c.procs if isinstance(p, Api)]
        daemons = [d for c in todo for d in c.daemons()]
        for p in apis:
            p.launch()
        for p in apis:
            p.wait_ready()
        # nova-compute started with nova-conductor waits 60 s for it
        for wave in ([d for d in daemons if not d.late],
                     [d for d in daemons if d.late]):
            for d in wave:
                d.launch()
            wait_rpc(wave)
        for c in todo:
            data = c.cloud_data()
            for key, value in c.fixtures(api).items():
                data.setdefault(key, {}).update(value)
            data.setdefault("versions", {})[c.name] = c.version()
            update_cloud(**data)
        update_cloud(
            auth_url=KEYSTONE.auth_url, region=REGION,
            keystone_json=KEYSTONE.json_file,
            database={"host": HOST, "port": MYSQL_PORT, "user": DB_USER,
                      "password": DB_PASSWORD, "prefix": DB_PREFIX},
            transport_url=TRANSPORT_URL,
            endpoints={"identity": KEYSTONE.auth_url})
        log(f"wrote {path(CLOUD_JSON)}")
    log("up: done")


def cmd_down(args):
    if not os.path.isdir(STATE):
        log(f"down: no state directory {STATE}")
        return
    if not args.services or "all" in args.services:
        comps = list(SERVICES.values())
    else:
        unknown = [n for n in args.services if n not in SERVICES]
        if unknown:
            raise MinicloudError(f"unknown service(s) {', '.join(unknown)}")
        comps = [c for n, c in SERVICES.items() if n in args.services]
    with state_lock():
        stop_all([p for c in reversed(comps) for p in reversed(c.procs)])
    log("down: done")


def cmd_status(args):
    def there(ok):
        return "present" if ok else "absent"
    print(f"venv:  {VENV} ({there(os.path.exists(venv_bin('python')))})")
    print(f"state: {STATE} ({there(os.path.isdir(STATE))})")
    for c in SERVICES.values():
        c.status()
    total = 0
    for c in SERVICES.values():
        for p in c.procs:
            pid = p.running()
            if pid:
                total += _tree_rss_kb(pid)
    print(f"total RSS of running processes: {total // 1024} MB")


def _tree_rss_kb(pid):
    """RSS of pid and all processes of its session (uwsgi, oslo workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != pid:  # session id
                continue
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


def cmd_reset(args):
    if not os.path.isdir(STATE):
        log(f"reset: no state directory {STATE}")
        return
    if not os.path.exists(path(STATE_MARKER)):
        raise MinicloudError(f"{STATE} has no {STATE_MARKER}: refusing to "
                             "delete a directory minicloud did not create")
    cmd_down(argparse.Namespace(services=[]))
    with state_lock():
        dbs = [d for c in SERVICES.values() for d in c.databases]
        if port_in_use(MYSQL_PORT) and os.path.exists(venv_bin("python")):
            log(f"reset: dropping databases {DB_PREFIX}*")
            ensure_databases(dbs, drop=True)
        log(f"reset: deleting {STATE}")
        shutil.rmtree(STATE)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Real OpenStack services on loopback for Solum's tests.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, helptext in (
            ("up", cmd_up, "install, configure, start, create fixtures"),
            ("down", cmd_down, "stop services (state is kept)")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("services", nargs="*", metavar="SERVICE",
                       help=f"all, {', '.join(SERVICES)} (default: all)")
        p.set_defaults(func=func)
    sub.add_parser("status", help="show what runs").set_defaults(
        func=cmd_status)
    sub.add_parser("reset", help="down + delete the state").set_defaults(
        func=cmd_reset)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except MinicloudError as e:
        print(f"minicloud: ERROR: {e}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
