"""Helpers of the local deployer's functional tests and benchmark: test
images built with buildah, a bounded load loop on loopback, cleanup of
everything a test's Solum started."""

import os
import shutil
import signal
import subprocess
import threading
import time

import requests

from solum.common import images

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER_APP = os.path.join(HERE, 'apps', 'marker')
BASE_IMAGE = 'localhost/solum/base-python:bookworm'


def unavailable():
    """Why real containers cannot be run here, or None."""
    if os.geteuid() != 0:
        return 'needs root (rootful podman)'
    for tool in ('podman', 'buildah', 'haproxy'):
        if shutil.which(tool) is None:
            return '%s is not installed (tools/install-container-tools.sh)' \
                % tool
    result = subprocess.run(['podman', 'image', 'exists', BASE_IMAGE],
                            capture_output=True)
    if result.returncode != 0:
        return '%s is missing (python3 -m solum.builder.base_images)' % \
            BASE_IMAGE
    return None


def build_image(ref, marker, broken=False, project='solum', app_uuid=None):
    """The marker app as image ``ref``, an image of ``project`` (noauth's
    default project) and, given ``app_uuid``, built for that app, labelled
    as the builder labels its images; it answers '<marker> <host>'."""
    labels = {images.LABEL_PROJECT: project}
    if app_uuid:
        labels[images.LABEL_APP] = app_uuid
    subprocess.run(
        # No --layers: buildah 1.28's layer cache ignores changed
        # --build-arg values, and every image here differs only by them.
        ['buildah', 'bud', '--isolation', 'chroot', '-q',
         '--build-arg', 'MARKER=%s' % marker,
         '--build-arg', 'BROKEN=%d' % int(broken),
         *['--label=%s=%s' % item for item in sorted(labels.items())],
         '-t', ref, MARKER_APP],
        check=True, capture_output=True, timeout=300)
    return ref


def cleanup(host_label, state_path):
    """Remove the containers of one Solum (by its host label) and stop its
    router (by the pid in its pid file)."""
    out = subprocess.run(
        ['podman', 'ps', '-aq', '--filter', 'label=solum.host=%s' %
         host_label], capture_output=True, text=True).stdout.split()
    if out:
        subprocess.run(['podman', 'rm', '-f', '-t', '0'] + out,
                       capture_output=True)
    pid_file = os.path.join(state_path, 'router', 'haproxy.pid')
    try:
        with open(pid_file) as f:
            pids = [int(p) for p in f.read().split()]
    except (OSError, ValueError):
        pids = []
    for pid in pids:
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as f:
                if b'haproxy' not in f.read():
                    continue
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass


class Load(threading.Thread):
    """Requests in a loop to one URL on loopback until stopped (and never
    more than ``limit``); counts answers and failures."""

    def __init__(self, url, host=None, limit=50000, new_connections=False):
        super().__init__(daemon=True)
        assert url.startswith('http://127.0.0.1:')
        self.url = url
        self.headers = {'Host': host} if host else {}
        self.limit = limit
        self.new_connections = new_connections
        self.stop_event = threading.Event()
        self.bodies = []
        self.failures = []

    def run(self):
        session = requests.Session()
        for _i in range(self.limit):
            if self.stop_event.is_set():
                return
            try:
                if self.new_connections:
                    resp = requests.get(self.url, headers=self.headers,
                                        timeout=10)
                else:
                    resp = session.get(self.url, headers=self.headers,
                                       timeout=10)
                if resp.status_code == 200:
                    self.bodies.append(resp.text)
                else:
                    self.failures.append('%d %s' % (resp.status_code,
                                                    resp.text[:100]))
            except requests.RequestException as e:
                self.failures.append(str(e))

    def stop(self):
        self.stop_event.set()
        self.join(30)
        return self


def wait_until(predicate, timeout=30, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None
