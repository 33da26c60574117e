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
"""A real Keystone for functional tests, from tools/minicloud.

``ensure_keystone()`` runs ``tools/minicloud/minicloud.py up keystone``
once per test process (the script itself is idempotent, takes a lock, and
returns in well under a second when Keystone already runs) and returns the
fixtures it wrote to ``$MINICLOUD_STATE/keystone.json``: ``auth_url``,
``projects``, ``users`` (alice: member of solum-test-a, bob: member of
solum-test-b, rita: reader of solum-test-a), ``admin`` and
``service_user``.

This module depends on nothing else in solum: only ``requests``.
"""

import json
import os
import subprocess
import sys
import threading

import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MINICLOUD = os.path.join(REPO_ROOT, "tools", "minicloud", "minicloud.py")
UP_TIMEOUT = 1200  # a fresh machine installs keystone from PyPI first

_lock = threading.Lock()
_cache = {}


class HarnessError(Exception):
    """The Keystone test harness could not be brought up or used."""


class TokenError(HarnessError):
    """Keystone refused a token request; ``status_code`` says how."""

    def __init__(self, message, status_code):
        super().__init__(message)
        self.status_code = status_code


def state_dir():
    return os.environ.get("MINICLOUD_STATE", "/var/lib/solum-minicloud")


def ensure_keystone():
    """Bring Keystone up (once per process); return keystone.json."""
    with _lock:
        if "keystone" in _cache:
            return _cache["keystone"]
        if not os.path.exists(MINICLOUD):
            raise HarnessError(f"{MINICLOUD} not found")
        try:
            proc = subprocess.run(
                [sys.executable, MINICLOUD, "up", "keystone"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=UP_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as e:
            raise HarnessError(
                f"minicloud up keystone took more than {UP_TIMEOUT} s") from e
        if proc.returncode != 0:
            raise HarnessError(
                f"minicloud up keystone failed (exit {proc.returncode}):\n"
                f"{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
        path = os.path.join(state_dir(), "keystone.json")
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise HarnessError(f"cannot read {path}: {e}") from e
        _cache["keystone"] = data
        return data


def _credentials(data, user):
    if user == data["admin"]["name"]:
        return data["admin"]
    if user == data["service_user"]["name"]:
        return data["service_user"]
    try:
        return data["users"][user]
    except KeyError:
        raise HarnessError(f"no test user {user!r} in keystone.json; "
                           f"known: {sorted(data['users'])}") from None


def get_token(user, project=None, password=None):
    """A project-scoped token for a keystone.json user, as a string.

    ``project`` is a project name (default: the user's own project);
    ``password`` overrides the one in keystone.json. Raises TokenError
    (with ``status_code``, e.g. 401 when the user has no role on the
    project) when Keystone refuses.
    """
    data = ensure_keystone()
    creds = _credentials(data, user)
    project = project or creds["project"]
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user,
            "password": creds["password"] if password is None else password,
            "domain": {"id": data["user_domain_id"]}}}},
        "scope": {"project": {
            "name": project, "domain": {"id": data["project_domain_id"]}}},
    }}
    try:
        resp = requests.post(f"{data['auth_url']}/auth/tokens", json=body,
                             timeout=30)
    except requests.RequestException as e:
        raise HarnessError(f"keystone at {data['auth_url']}: {e}") from e
    if resp.status_code != 201:
        raise TokenError(
            f"token for {user} on project {project}: HTTP "
            f"{resp.status_code} {resp.text[:300]}", resp.status_code)
    return resp.headers["X-Subject-Token"]


def validate_token(token, auth_token=None):
    """GET /v3/auth/tokens for ``token``; return its ``token`` body.

    Checked with ``auth_token`` (default: an admin token), as a service's
    auth_token middleware would.
    """
    data = ensure_keystone()
    if auth_token is None:
        auth_token = get_token(data["admin"]["name"])
    resp = requests.get(f"{data['auth_url']}/auth/tokens", timeout=30,
                        headers={"X-Auth-Token": auth_token,
                                 "X-Subject-Token": token})
    if resp.status_code != 200:
        raise TokenError(f"validating token: HTTP {resp.status_code} "
                         f"{resp.text[:300]}", resp.status_code)
    return resp.json()["token"]
