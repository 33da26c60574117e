#!/usr/bin/env python3
"""Redeploys under load, and the warm rebuild path, on this machine.

Starts its own solum-all (as deploy_bench.py does: SQLite, in-process
RPC, noauth, loopback, state in a temporary directory) and measures
through the REST API and the HAProxy router:

* failed requests under steady load: clients send about ``--rate``
  requests/s to an app through the router (keep-alive clients, and one
  opening a new connection per request) while the app is redeployed
  ``--redeploys`` times (alternating two images), rolled back
  ``--rollbacks`` times and scaled ``--scales`` times (1 -> 2 -> 1 ...);
  every answer that is not a 200 and every connection error counts. Per
  deploy it also measures the drain: answers of the earlier releases
  after the first answer of the new one;
* the warm code-only rebuild (``--pushes`` runs): a commit to
  examples/python-hello, the workflow POST (unittest + build + deploy)
  to the first 200 of the new code through the router, with the
  timeline of every step of the median run (workflow states, and the
  log lines of git, buildah, the test run and the deployer), and the
  cold one (dependencies changed) before them.

    tox -e bench -- tools/bench/redeploy_bench.py   (as root)
    ... redeploy_bench.py --redeploys 5 --rollbacks 5 --scales 4 --pushes 3
"""

import argparse
import datetime
import os
import re
import sqlite3
import statistics
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_bench  # noqa: E402

from solum.tests.functional import deployer_fixtures as fx  # noqa: E402

APP = deploy_bench.APP
PUSH_APP = deploy_bench.PUSH_APP
_RELEASE = re.compile(r' solum-[0-9a-f]{8}-r(\d+)-')
DONE = ('DEPLOYMENT_COMPLETE', 'ERROR_CODE_DEPLOYMENT', 'ERROR')


class Client(threading.Thread):
    """Requests at a steady ``rate`` to the app through the router; every
    answer recorded as (sent, received, status, release or text)."""

    def __init__(self, url, host, rate, keepalive=True):
        super().__init__(daemon=True)
        self.url = url
        self.headers = {'Host': host}
        if not keepalive:
            self.headers['Connection'] = 'close'
        self.interval = 1.0 / rate
        self.keepalive = keepalive
        self.stop_event = threading.Event()
        self.records = []

    def run(self):
        session = requests.Session()
        due = time.monotonic()
        while not self.stop_event.is_set():
            now = time.monotonic()
            if now < due:
                time.sleep(due - now)
            due = max(due + self.interval, time.monotonic() - 1.0)
            sent = time.monotonic()
            try:
                if self.keepalive:
                    resp = session.get(self.url, headers=self.headers,
                                       timeout=10)
                else:
                    resp = requests.get(self.url, headers=self.headers,
                                        timeout=10)
                match = _RELEASE.search(resp.text)
                what = int(match.group(1)) if match and \
                    resp.status_code == 200 else \
                    ' '.join(resp.text.split())[:100]
                self.records.append((sent, time.monotonic(),
                                     resp.status_code, what))
            except requests.RequestException as e:
                self.records.append((sent, time.monotonic(), None,
                                     str(e)[:100]))

    def stop(self):
        self.stop_event.set()
        self.join(30)


class RedeployBench(deploy_bench.Bench):

    def __init__(self, args):
        super().__init__(args)
        self.clients = []

    # ------------------------------------------------------------ load

    def start_load(self):
        url = 'http://127.0.0.1:%d/' % self.router_port
        per_client = self.args.rate / (self.args.clients + 1)
        self.clients = [Client(url, self.host, per_client)
                        for _i in range(self.args.clients)]
        self.clients.append(Client(url, self.host, per_client,
                                   keepalive=False))
        for c in self.clients:
            c.start()

    def records(self, start, end):
        return sorted(r for c in self.clients for r in c.records
                      if start <= r[0] < end)

    @staticmethod
    def failures(records):
        return [r for r in records if r[2] != 200]

    # ------------------------------------------------------ operations

    def workflow(self, path, body):
        start = time.monotonic()
        wf = self.call('POST', path, json=body)
        shown = None
        deadline = start + 120
        while time.monotonic() < deadline:
            shown = self.call('GET', '/v1/apps/%s/workflows/%d' % (
                APP, wf['wf_id']))
            if shown['status'] in DONE:
                break
            time.sleep(0.05)
        if shown['status'] != 'DEPLOYMENT_COMPLETE':
            raise SystemExit('%s failed: %s %s' % (path, shown['status'],
                                                   shown['reason']))
        return start, time.monotonic(), shown['result']['release']

    def redeploy(self, i):
        image = self.images[(i + 1) % 2]
        return self.workflow('/v1/apps/%s/workflows' % APP,
                             {'actions': ['deploy'], 'du_id': image})

    def rollback(self, _i):
        return self.workflow('/v1/apps/%s/rollback' % APP, {})

    def scale_op(self, i):
        replicas = 2 if i % 2 == 0 else 1
        start = time.monotonic()
        self.scale(replicas)
        return start, time.monotonic(), None

    def drain(self, start, end, release):
        """(old answers to requests sent after the first answer of
        ``release`` came, old answers received after it, seconds from
        it to the last old answer) in [start, end); None when the new
        release never answered."""
        records = self.records(start, end)
        firsts = [r[1] for r in records if r[3] == release]
        if not firsts:
            return None
        first = min(firsts)
        old = [r for r in records if r[2] == 200 and r[3] != release]
        sent_after = [r for r in old if r[0] > first]
        received_after = [r for r in old if r[1] > first]
        lag = max([r[1] - first for r in received_after] or [0.0])
        return len(sent_after), len(received_after), lag

    def run_ops(self):
        phases = [('redeploys', self.args.redeploys, self.redeploy),
                  ('rollbacks', self.args.rollbacks, self.rollback),
                  ('scale ups/downs', self.args.scales, self.scale_op)]
        ops = []
        for phase, count, op in phases:
            phase_start = time.monotonic()
            for i in range(count):
                start, end, release = op(i)
                ops.append((phase, start, end, release))
                time.sleep(self.args.pause)
            phase_end = time.monotonic()
            records = self.records(phase_start, phase_end)
            failed = self.failures(records)
            print('%s: %d operations, %d requests (%.0f req/s), failed '
                  'requests: %d (target 0)' % (
                      phase, count, len(records),
                      len(records) / max(phase_end - phase_start, 1e-9),
                      len(failed)), flush=True)
            for r in failed[:10]:
                print('    failed at +%.3f s: %s %s' % (
                    r[0] - phase_start, r[2], r[3]), flush=True)
        # Drain of each deploy (redeploys and rollbacks), up to the next
        # operation.
        drains = []
        for k, (_phase, start, _end, release) in enumerate(ops):
            if release is None:
                continue
            until = ops[k + 1][1] if k + 1 < len(ops) else time.monotonic()
            d = self.drain(start, until, release)
            if d is not None:
                drains.append(d)
        if drains:
            print('drain over %d deploys: old-release answers to requests '
                  'sent after the first new-release answer: max %d, total '
                  '%d; old answers received after it: max %d; last old '
                  'answer after the first new one: max %.3f s, median '
                  '%.3f s' % (
                      len(drains), max(d[0] for d in drains),
                      sum(d[0] for d in drains), max(d[1] for d in drains),
                      max(d[2] for d in drains),
                      statistics.median(d[2] for d in drains)), flush=True)
        total = self.records(0, time.monotonic())
        print('failed requests over all %d operations: %d of %d' % (
            len(ops), len(self.failures(total)), len(total)), flush=True)

    # ----------------------------------------------------- the pushes

    def log_lines(self, wf_uuid):
        db = sqlite3.connect(os.path.join(self.state, 'solum.sqlite'))
        try:
            rows = db.execute(
                'SELECT created_at, stage, message FROM log_lines WHERE '
                'resource_uuid = ? ORDER BY id', (wf_uuid,)).fetchall()
        finally:
            db.close()
        out = []
        for created, stage, message in rows:
            when = datetime.datetime.fromisoformat(created).replace(
                tzinfo=datetime.timezone.utc).timestamp()
            out.append((when, stage, message))
        return out

    def push_timeline(self, greeting):
        """Workflow POST to the first 200 answering ``greeting``, with
        the timeline: (seconds, [(offset, what)])."""
        events = []
        wall0, start = time.time(), time.monotonic()
        wf = self.call('POST', '/v1/apps/%s/workflows' % PUSH_APP, json={
            'actions': ['unittest', 'build', 'deploy']})
        events.append((time.monotonic() - start, 'workflow POST answered'))
        stop = threading.Event()

        def states():
            last = None
            while not stop.is_set():
                try:
                    shown = self.call('GET', '/v1/apps/%s/workflows/%d' % (
                        PUSH_APP, wf['wf_id']))
                except SystemExit:
                    break
                if shown['status'] != last:
                    last = shown['status']
                    events.append((time.monotonic() - start,
                                   'state %s' % last))
                if last in DONE:
                    break
                time.sleep(0.02)
        watcher = threading.Thread(target=states, daemon=True)
        watcher.start()
        served = fx.wait_until(
            lambda: self.pushed_body().startswith(greeting + '!'),
            timeout=600, interval=0.01)
        elapsed = time.monotonic() - start
        events.append((elapsed, 'first 200 of the new code through the '
                                'router'))
        watcher.join(120)
        stop.set()
        if not served:
            raise SystemExit('push never served')
        for when, stage, message in self.log_lines(wf['uuid']):
            events.append((when - wall0, '[%s] %s' % (stage, message)))
        events.sort(key=lambda e: e[0])
        return elapsed, events

    def run_pushes(self):
        token = '%d-%d' % (os.getpid(), int(time.time()))
        repo = self.commit('Hello cold %s' % token,
                           requirements_note='bench %s' % token)
        self.call('POST', '/v1/apps', json={
            'version': 1, 'name': PUSH_APP, 'languagepack': 'python',
            'ports': [8080], 'source': {'repository': repo},
            'workflow_config': {'test_cmd': 'python -m unittest -v'}})
        cold, _events = self.push_timeline('Hello cold %s' % token)
        print('push-to-serving of source, cold (new app, dependencies not '
              'cached): %.2f s' % cold, flush=True)
        runs = []
        for i in range(self.args.pushes):
            greeting = 'Hello warm %d %s' % (i, token)
            self.commit(greeting)
            runs.append(self.push_timeline(greeting))
        times = sorted(r[0] for r in runs)
        print('push-to-serving of source, warm (code-only change, '
              'rebuilt): median %.2f s, min %.2f s, max %.2f s over %d: %s '
              '(target <= 1.5 s)' % (
                  statistics.median(times), times[0], times[-1], len(times),
                  ' '.join('%.2f' % t for t in times)), flush=True)
        median = sorted(runs, key=lambda r: r[0])[(len(runs) - 1) // 2]
        print('timeline of the median warm run (%.2f s), seconds after '
              'the workflow POST:' % median[0])
        for when, what in median[1]:
            if when <= median[0] + 0.5:
                print('  %7.3f  %s' % (when, what[:150]))
        sys.stdout.flush()

    # ------------------------------------------------------------- run

    def run(self):
        self.start()
        if self.args.pushes:
            self.run_pushes()
        if not (self.args.redeploys or self.args.rollbacks or
                self.args.scales):
            return
        self.build_images()
        app = self.call('POST', '/v1/apps', json={
            'version': 1, 'name': APP, 'languagepack': 'python',
            'ports': [8080],
            'source': {'repository': 'https://git.example.com/b.git'}})
        self.app_uuid = app['id']
        self.workflow('/v1/apps/%s/workflows' % APP,
                      {'actions': ['deploy'], 'du_id': self.images[0]})
        self.start_load()
        time.sleep(1)
        try:
            self.run_ops()
        finally:
            for c in self.clients:
                c.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--redeploys', type=int, default=50)
    parser.add_argument('--rollbacks', type=int, default=50)
    parser.add_argument('--scales', type=int, default=50)
    parser.add_argument('--pushes', type=int, default=5,
                        help='warm rebuild runs (0: none)')
    add_load_arguments(parser, pause=0.2)
    deploy_bench.run(RedeployBench, parser.parse_args())


def add_load_arguments(parser, pause):
    """The options of the steady load and of the app under it."""
    parser.add_argument('--rate', type=float, default=100.0,
                        help='requests/s of the load, all clients')
    parser.add_argument('--clients', type=int, default=3,
                        help='keep-alive clients (one more opens a new '
                             'connection per request)')
    parser.add_argument('--pause', type=float, default=pause,
                        help='seconds between operations')
    parser.add_argument('--app-cpus', default='1.0')
    parser.add_argument('--router-threads', type=int, default=1)
    parser.add_argument('--keep', action='store_true',
                        help='keep the state directory (logs)')


if __name__ == '__main__':
    main()
