"""Functional tests of the mmdebstrap-built base images, with real Podman.

They need root, podman and mmdebstrap (tools/install-container-tools.sh
installs them) and skip with the reason otherwise.  The first run bootstraps
localhost/solum/base-python:bookworm (~30 s); later runs reuse it.
"""

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import testtools

from solum.builder import base_images

IMAGE = base_images.image_name('python')


def _missing_prerequisite():
    for tool in ('podman', 'mmdebstrap'):
        if shutil.which(tool) is None:
            return ('%s is not installed '
                    '(run tools/install-container-tools.sh)' % tool)
    if os.geteuid() != 0:
        return 'needs root (rootful podman, mmdebstrap --mode=root)'
    info = subprocess.run(['podman', 'info', '--format',
                           '{{.Host.OCIRuntime.Name}}'],
                          capture_output=True, text=True, check=False)
    if info.returncode != 0:
        return 'podman is not usable here: %s' % info.stderr.strip()[-300:]
    return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _podman(*args, timeout=120):
    return subprocess.run(['podman'] + list(args), capture_output=True,
                          text=True, timeout=timeout, check=False)


class TestBaseImages(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = _missing_prerequisite()
        if reason:
            raise cls.skipException(reason)
        cls.build_log = []
        cls.image_id = base_images.ensure_base_image(
            'python', log=cls.build_log.append)

    def test_image_exists(self):
        self.assertTrue(base_images.image_exists(IMAGE))
        self.assertFalse(base_images.image_exists(
            'localhost/solum/no-such-image:%s' % uuid.uuid4().hex))

    def test_ensure_is_cached(self):
        lines = []
        started = time.monotonic()
        ident = base_images.ensure_base_image('python', log=lines.append)
        self.assertEqual(self.image_id, ident)
        self.assertLess(time.monotonic() - started, 10)
        self.assertIn('skipping bootstrap', '\n'.join(lines))

    def test_python_prints_42(self):
        result = _podman('run', '--rm', IMAGE, 'python3', '-c', 'print(42)')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('42', result.stdout.strip())

    def test_runs_as_unprivileged_user(self):
        result = _podman('run', '--rm', IMAGE, 'id', '-u')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(str(base_images.USER_ID), result.stdout.strip())

    def test_venv_and_ca_bundle(self):
        script = ('python3 -m venv /tmp/venv && /tmp/venv/bin/python -c '
                  '"import ssl, os; '
                  'print(os.path.exists(ssl.get_default_verify_paths()'
                  '.openssl_cafile))"')
        result = _podman('run', '--rm', IMAGE, 'sh', '-c', script)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('True', result.stdout.strip().splitlines()[-1])

    def test_http_server_answers_on_published_port(self):
        name = 'solum-test-http-%s' % uuid.uuid4().hex[:12]
        for _attempt in range(3):
            port = _free_port()
            result = _podman('run', '-d', '--rm', '--name', name,
                             '-p', '127.0.0.1:%d:8080' % port, IMAGE,
                             'python3', '-m', 'http.server', '8080')
            if result.returncode == 0:
                break
            # Port taken between _free_port() and podman: try another one.
            _podman('rm', '-f', '--ignore', name)
            if 'address already in use' not in result.stderr:
                break
        self.addCleanup(_podman, 'rm', '-f', '--ignore', '-t', '0', name)
        self.assertEqual(0, result.returncode, result.stderr)

        # Loopback: bypass any proxy the environment configures.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        url = 'http://127.0.0.1:%d/' % port
        deadline = time.monotonic() + 30
        last_error = None
        while time.monotonic() < deadline:
            try:
                with opener.open(url, timeout=2) as response:
                    status, body = response.status, response.read()
                break
            except (urllib.error.URLError, ConnectionError, OSError) as e:
                last_error = e
                time.sleep(0.1)
        else:
            logs = _podman('logs', name)
            self.fail('no HTTP answer from %s in 30 s: %s\n%s%s'
                      % (url, last_error, logs.stdout, logs.stderr))
        self.assertEqual(200, status)
        self.assertIn(b'Directory listing', body)
