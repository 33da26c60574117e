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
"""The commands: up, down, status, reset, and main().

SERVICES is the start order of the components (`down` goes in reverse).
"""

import argparse
import os
import shutil
import sys
import threading

from .aodh import Aodh
from .common import HOST
from .common import REGION
from .common import STATE
from .common import STATE_MARKER
from .common import VENV
from .common import MinicloudError
from .common import apt_install
from .common import apt_missing
from .common import install_marker
from .common import installed_current
from .common import lock_digest
from .common import log
from .common import path
from .common import pip_install
from .common import port_in_use
from .common import state_lock
from .common import venv_bin
from .common import write_file
from .glance import Glance
from .heat import Heat
from .infra import CLOUD_JSON
from .infra import DB_PASSWORD
from .infra import DB_PREFIX
from .infra import DB_USER
from .infra import MYSQL_PORT
from .infra import TRANSPORT_URL
from .infra import check_infra
from .infra import ensure_databases
from .infra import ensure_vhost
from .infra import update_cloud
from .keystone import Keystone
from .keystone import KeystoneComponent
from .neutron import Neutron
from .nova import Nova
from .octavia import Octavia
from .placement import Placement
from .process import Api
from .process import wait_rpc
from .prometheus import Prometheus
from .rest import Rest

KEYSTONE = Keystone()

# Start order; `down` goes in reverse.
SERVICES = {c.name: c for c in (
    KeystoneComponent(KEYSTONE), Glance(), Placement(), Neutron(), Nova(),
    Octavia(), Heat(), Prometheus(), Aodh())}


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
                write_file(install_marker(c.name),
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
