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
"""Keystone's v3 API over urllib: Rest, catalog and service users.
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

from .common import REGION
from .common import MinicloudError
from .common import log


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
