"""solum-api with several worker processes on one port."""

import os
import signal
import subprocess

import requests

from solum.tests.functional import base


def children(pid):
    out = subprocess.run(['pgrep', '-P', str(pid)], capture_output=True,
                         text=True).stdout
    return sorted(int(p) for p in out.split())


class TestAPIWorkers(base.FunctionalTestCase):

    def extra_config(self):
        return '[api]\nworkers = 2\n'

    def test_workers_serve_and_are_replaced(self):
        self.db_upgrade()
        api = self.start_service('solum-api')
        workers = self.wait_until(
            lambda: (lambda c: c if len(c) == 2 else None)(
                children(api.process.pid)), what='two API workers')
        for _ in range(20):
            self.assertEqual(200, requests.get(self.base_url + '/v1/apps',
                                               timeout=10).status_code)
        os.kill(workers[0], signal.SIGKILL)
        replaced = self.wait_until(
            lambda: (lambda c: c if len(c) == 2 and workers[0] not in c
                     else None)(children(api.process.pid)),
            what='the killed worker to be replaced')
        self.assertIn(workers[1], replaced)
        self.wait_until(lambda: requests.get(self.base_url + '/v1/apps',
                                             timeout=10).ok,
                        what='the API to answer')
        api.stop()
        self.assertEqual(0, api.process.returncode)
        self.assertEqual([], children(api.process.pid))
