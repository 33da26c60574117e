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
"""What the services share: MariaDB, RabbitMQ, cloud.json, config text.

The minicloud_* databases and their user, the RabbitMQ vhost and its
RPC queues, cloud.json (read_cloud/update_cloud), and the pieces of the
services' config files (uwsgi.ini, keystoneauth sections, paste files).
"""

import json
import os
import subprocess

from .common import HOST
from .common import VENV
from .common import MinicloudError
from .common import log
from .common import path
from .common import port_in_use
from .common import run
from .common import venv_bin
from .common import write_file

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


def venv_package_file(relpath):
    for lib in ("lib", "lib64"):
        base = os.path.join(VENV, lib)
        if not os.path.isdir(base):
            continue
        for py in sorted(os.listdir(base)):
            candidate = os.path.join(base, py, "site-packages", relpath)
            if os.path.exists(candidate):
                return candidate
    return None
