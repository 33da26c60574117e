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
"""Real OpenStack services for functional tests, from tools/minicloud.

``ensure_cloud(services)`` runs ``tools/minicloud/minicloud.py up
SERVICE...`` once per test process and set of services (the script is
idempotent, takes a lock, and returns in about 0.2 s when everything
already runs) and returns ``$MINICLOUD_STATE/cloud.json`` with the
Keystone fixtures of ``keystone.ensure_keystone()`` under ``keystone``:

* ``endpoints``: service type -> URL (identity, image, compute, placement,
  network, orchestration, cloudformation, alarming, metric-storage);
* ``flavors``: ``m1.tiny`` and ``m1.small`` (name, id, ram, vcpus, disk);
* ``images``: ``solum-container-host`` (a tiny public raw image);
* ``heat``: the stack-user domain and the ``heat_stack_owner`` grants
  (alice on solum-test-a, bob on solum-test-b);
* ``service_users``, ``database``, ``transport_url``;
* ``prometheus``: ``url`` (the catalog's metric-storage), ``pushgateway``,
  ``scrape_interval`` (s) and ``project_label`` (the label Aodh's
  evaluator scopes a non-admin's query with); ``aodh``:
  ``evaluation_interval`` (s).

Heat, Nova, Placement, Neutron and Aodh need the MariaDB and RabbitMQ on
127.0.0.1 (``tools/ensure-services.sh``); when either is not reachable
``ensure_cloud`` raises ``CloudUnavailable``, which tests turn into a
skip. Every other failure is an error.

``session(user)`` gives a keystoneauth1 session for a keystone.json user;
``glance(user)``, ``heat(user)`` and ``nova(user)`` the real clients.
``push_metrics(job, text, **grouping)`` pushes Prometheus text to the
Pushgateway (as Ceilometer's prometheus:// publisher does; a group's push
replaces its metrics), ``delete_metrics(job, **grouping)`` removes the
group, and ``prometheus_query(promql)`` returns the instant vector
Prometheus answers (``[(labels, value)]``).
"""

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.parse

import requests
from glanceclient import client as glanceclient
from heatclient import client as heatclient
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as novaclient

from solum.tests.functional.harness import keystone

UP_TIMEOUT = 1800  # a fresh machine installs everything from PyPI first
NOVA_MICROVERSION = "2.37"  # servers with networks: none
NEEDS_INFRA = {"placement", "neutron", "nova", "heat", "aodh", "all"}
INFRA = (("MariaDB", 3306), ("RabbitMQ", 5672))

_lock = threading.Lock()
_cache = {}


class CloudUnavailable(Exception):
    """MariaDB or RabbitMQ is not reachable: the cloud cannot run here."""


def _listening(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def missing_infra():
    """Names of the servers minicloud needs that do not answer."""
    return [f"{name} on 127.0.0.1:{port}" for name, port in INFRA
            if not _listening(port)]


def ensure_cloud(services=("glance", "nova", "heat")):
    """Bring the services up (once per process); return cloud.json."""
    key = tuple(sorted(set(services)))
    with _lock:
        if key in _cache:
            return _cache[key]
        if NEEDS_INFRA & set(key):
            missing = missing_infra()
            if missing:
                raise CloudUnavailable(
                    f"{' and '.join(missing)} not reachable (start them with"
                    f" tools/ensure-services.sh): cannot run "
                    f"{', '.join(key)}")
        try:
            proc = subprocess.run(
                [sys.executable, keystone.MINICLOUD, "up", *key],
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=UP_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as e:
            raise keystone.HarnessError(
                f"minicloud up {' '.join(key)} took more than "
                f"{UP_TIMEOUT} s") from e
        if proc.returncode != 0:
            raise keystone.HarnessError(
                f"minicloud up {' '.join(key)} failed (exit "
                f"{proc.returncode}):\n{proc.stdout[-3000:]}\n"
                f"{proc.stderr[-6000:]}")
        path = os.path.join(keystone.state_dir(), "cloud.json")
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise keystone.HarnessError(f"cannot read {path}: {e}") from e
    data["keystone"] = keystone.ensure_keystone()
    with _lock:
        _cache[key] = data
    return data


def session(user, project=None):
    """A keystoneauth1 session scoped to the user's (or a) project."""
    ks = keystone.ensure_keystone()
    creds = keystone._credentials(ks, user)
    auth = v3.Password(
        auth_url=ks["auth_url"], username=user, password=creds["password"],
        user_domain_id=ks["user_domain_id"],
        project_name=project or creds["project"],
        project_domain_id=ks["project_domain_id"])
    return ks_session.Session(auth=auth)


def trust_session(trust_id):
    """A session of Solum's service user, scoped to a trust."""
    ks = keystone.ensure_keystone()
    su = ks["service_user"]
    auth = v3.Password(
        auth_url=ks["auth_url"], username=su["name"],
        password=su["password"], user_domain_id=ks["user_domain_id"],
        trust_id=trust_id)
    return ks_session.Session(auth=auth)


def heat_through_trust(trust_id):
    return heatclient.Client("1", session=trust_session(trust_id))


def glance(user, project=None):
    return glanceclient.Client("2", session=session(user, project))


def heat(user, project=None):
    return heatclient.Client("1", session=session(user, project))


def nova(user, project=None):
    return novaclient.Client(NOVA_MICROVERSION, session=session(user, project))


def _cloud_json():
    with open(os.path.join(keystone.state_dir(), "cloud.json")) as f:
        return json.load(f)


def _pushgateway_group(job, grouping):
    url = f"{_cloud_json()['prometheus']['pushgateway']}/metrics/job/" + \
        urllib.parse.quote(job, safe="")
    for key, value in sorted(grouping.items()):
        url += f"/{key}/{urllib.parse.quote(str(value), safe='')}"
    return url


def push_metrics(job, text, **grouping):
    """PUT Prometheus text exposition to the Pushgateway's group."""
    resp = requests.put(_pushgateway_group(job, grouping), data=text,
                        timeout=10)
    resp.raise_for_status()


def delete_metrics(job, **grouping):
    requests.delete(_pushgateway_group(job, grouping), timeout=10)


def prometheus_query(promql):
    """[(labels, float value)] of an instant query."""
    resp = requests.get(_cloud_json()["prometheus"]["url"] +
                        "/api/v1/query", params={"query": promql},
                        timeout=10)
    resp.raise_for_status()
    body = resp.json()
    if body.get("status") != "success":
        raise keystone.HarnessError(f"prometheus: {body}")
    return [(r["metric"], float(r["value"][1]))
            for r in body["data"]["result"]]
