#!/usr/bin/env python3
"""Benchmark of the local deployer on this machine.

Starts its own solum-all (SQLite, in-process RPC, noauth, on loopback,
state in a temporary directory), builds two small test images and
measures, through the REST API and the HAProxy router:

* push-to-serving of source: a commit to examples/python-hello, then the
  workflow POST (unittest + build + deploy) to the first 200 of the new
  code through the router: cold (dependencies not cached: a new
  requirements.txt) and warm (a code-only change);
* push-to-serving of an image: workflow POST (deploy of an existing image)
  to the first 200 of the new release; the first deploy of a new app (its
  router backend is added: a reload) and warm redeploys;
* scale-out 1 -> 5: scale POST until the router sees all 5 replicas UP;
* requests/s through the router versus directly to the one container
  (wrk, bounded duration, loopback only), for a request doing nothing and
  one spending 1 ms of CPU in the app.

Everything it started is removed at the end. Needs root, podman, buildah,
haproxy, wrk and the python base image (see
doc/source/contributor/containers-on-this-machine.rst).

    tox -e bench -- tools/bench/deploy_bench.py   (as root)
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import requests

from solum.deployer.local import router as router_mod
from solum.tests.functional import base as ft_base
from solum.tests.functional import deployer_fixtures as fx
from solum.tests.functional import samples

BIN = os.path.dirname(sys.executable)
APP = 'bench'
PUSH_APP = 'pushed'
PROJECT = 'solum'


class Bench:
    def __init__(self, args):
        self.args = args
        self.state = tempfile.mkdtemp(prefix='solum-bench-', dir='/tmp')
        self.api_port = ft_base.free_port()
        self.router_port = ft_base.free_port()
        self.api = 'http://127.0.0.1:%d' % self.api_port
        self.host_label = 'bench-%d' % os.getpid()
        self.process = None
        self.images = []
        self.host = '%s.%s.apps.localhost:%d' % (APP, PROJECT,
                                                 self.router_port)
        self.router = router_mod.Router(
            state_dir=os.path.join(self.state, 'router'),
            host='127.0.0.1', port=self.router_port, executable='haproxy')

    # ---------------------------------------------------------- set-up

    def start(self):
        config = os.path.join(self.state, 'solum.conf')
        with open(config, 'w') as f:
            f.write('[DEFAULT]\nauth_strategy = noauth\nstate_path = %s\n'
                    'rpc_transport = local\nhost = %s\n'
                    '[api]\nhost = 127.0.0.1\nport = %d\n'
                    '[deployer]\nrouter_port = %d\ncheck_interval = 2\n'
                    'memory = 256m\ncpus = %s\nrouter_threads = %d\n'
                    'host_label = %s\n'
                    '[security]\nsecret_key = '
                    'cw_0x689RpI-jtRR7oE8h_eJsKHnqhYlCk1ppHSkESI=\n' % (
                        self.state, self.host_label, self.api_port,
                        self.router_port, self.args.app_cpus,
                        self.args.router_threads, self.host_label))
        log = open(os.path.join(self.state, 'solum-all.log'), 'ab')  # noqa: SIM115
        self.process = subprocess.Popen(
            [os.path.join(BIN, 'solum-all'), '--config-file', config],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if not fx.wait_until(lambda: ft_base.port_open(self.api_port),
                             timeout=60):
            raise SystemExit('solum-all did not start; see %s' % self.state)

    def build_images(self):
        for tag in ('v1', 'v2'):
            ref = 'localhost/solum/bench/marker:%s-%d' % (tag, os.getpid())
            fx.build_image(ref, tag)
            self.images.append(ref)

    def cleanup(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        fx.cleanup(self.host_label, self.state)
        if self.images:
            subprocess.run(['podman', 'rmi', '-f'] + self.images,
                           capture_output=True)
        if not self.args.keep:
            shutil.rmtree(self.state, ignore_errors=True)

    # --------------------------------------------------------- helpers

    def call(self, method, path, **kw):
        resp = requests.request(method, self.api + path, timeout=60, **kw)
        if resp.status_code >= 400:
            raise SystemExit('%s %s: %d %s' % (method, path,
                                               resp.status_code, resp.text))
        return resp.json() if resp.text else None

    def router_body(self):
        try:
            resp = requests.get('http://127.0.0.1:%d/' % self.router_port,
                                headers={'Host': self.host}, timeout=5)
        except requests.RequestException:
            return ''
        return resp.text if resp.status_code == 200 else ''

    def wait_workflow(self, wf):
        path = '/v1/apps/%s/workflows/%d' % (APP, wf['wf_id'])
        done = fx.wait_until(lambda: self.call('GET', path)['status'] in (
            'DEPLOYMENT_COMPLETE', 'ERROR_CODE_DEPLOYMENT', 'ERROR'),
            timeout=120)
        shown = self.call('GET', path)
        if not done or shown['status'] != 'DEPLOYMENT_COMPLETE':
            raise SystemExit('deploy failed: %s' % shown['reason'])

    def push_to_serving(self, image, marker):
        start = time.monotonic()
        wf = self.call('POST', '/v1/apps/%s/workflows' % APP,
                       json={'actions': ['deploy'], 'du_id': image})
        served = fx.wait_until(
            lambda: self.router_body().startswith(marker + ' '),
            timeout=120, interval=0.01)
        elapsed = time.monotonic() - start
        if not served:
            raise SystemExit('release %s never served' % marker)
        self.wait_workflow(wf)
        return elapsed

    def backend_name(self):
        return 'app_' + self.app_uuid.replace('-', '')

    def router_rows(self):
        """The app's server slots as HAProxy reports them."""
        try:
            rows = router_mod.parse_stat(self.router.command('show stat'))
        except router_mod.RouterError:
            return []
        return [r for r in rows if r['pxname'] == self.backend_name() and
                r['svname'] not in ('FRONTEND', 'BACKEND')]

    def servers_up(self):
        return sum(1 for row in self.router_rows()
                   if row.get('status', '').startswith('UP'))

    def scale(self, replicas, timeout=120):
        start = time.monotonic()
        self.call('POST', '/v1/apps/%s/scale' % APP,
                  json={'replicas': replicas})
        ok = fx.wait_until(lambda: self.servers_up() == replicas and
                           self.container_count() == replicas,
                           timeout=timeout, interval=0.01)
        if not ok:
            raise SystemExit('scaling to %d did not finish: router %s, '
                             'containers %s' % (
                                 replicas, [(r['svname'], r['status'])
                                            for r in self.router_rows()],
                                 self.containers()))
        return time.monotonic() - start

    def containers(self):
        out = subprocess.run(
            ['podman', 'ps', '--format',
             '{{.Names}} {{index .Labels "solum.port"}}',
             '--filter', 'label=solum.app=%s' % self.app_uuid],
            capture_output=True, text=True, check=True).stdout
        return [line.split() for line in out.splitlines() if line.strip()]

    def container_count(self):
        return len(self.containers())

    def wrk(self, url, host=None):
        argv = ['wrk', '-t', str(self.args.threads), '-c',
                str(self.args.connections), '-d',
                '%ds' % self.args.duration, '--latency']
        if host:
            argv += ['-H', 'Host: %s' % host]
        out = subprocess.run(argv + [url], capture_output=True, text=True,
                             check=True, timeout=self.args.duration + 60)
        if self.args.verbose:
            print(out.stdout, flush=True)
        rps = float(re.search(r'Requests/sec:\s+([\d.]+)',
                              out.stdout).group(1))
        errors = re.search(r'Non-2xx or 3xx responses: (\d+)', out.stdout)
        socket_errors = re.search(r'Socket errors: (.*)', out.stdout)
        return rps, (int(errors.group(1)) if errors else 0), \
            (socket_errors.group(1) if socket_errors else 'none')

    # ------------------------------------------------- source pushes

    def commit(self, greeting, requirements_note=None):
        """A commit of the sample answering ``greeting``."""
        return samples.commit_python_sample(
            os.path.join(self.state, 'python-hello'), greeting,
            requirements_note)

    def pushed_body(self):
        host = '%s.%s.apps.localhost:%d' % (PUSH_APP, PROJECT,
                                            self.router_port)
        try:
            resp = requests.get('http://127.0.0.1:%d/' % self.router_port,
                                headers={'Host': host}, timeout=5)
        except requests.RequestException:
            return ''
        return resp.text if resp.status_code == 200 else ''

    def push(self, greeting):
        """Workflow POST to the first 200 answering ``greeting``."""
        start = time.monotonic()
        wf = self.call('POST', '/v1/apps/%s/workflows' % PUSH_APP, json={
            'actions': ['unittest', 'build', 'deploy']})
        served = fx.wait_until(
            lambda: self.pushed_body().startswith(greeting + '!'),
            timeout=600, interval=0.02)
        elapsed = time.monotonic() - start
        if not served:
            shown = self.call('GET', '/v1/apps/%s/workflows/%d' % (
                PUSH_APP, wf['wf_id']))
            raise SystemExit('push never served: %s %s' % (
                shown['status'], shown['reason']))
        return elapsed

    def run_pushes(self):
        token = '%d-%d' % (os.getpid(), int(time.time()))
        repo = self.commit('Hello cold %s' % token,
                           requirements_note='bench %s' % token)
        self.call('POST', '/v1/apps', json={
            'version': 1, 'name': PUSH_APP, 'languagepack': 'python',
            'ports': [8080], 'source': {'repository': repo},
            'workflow_config': {'test_cmd': 'python -m unittest -v'}})
        cold = self.push('Hello cold %s' % token)
        print('push-to-serving of source, cold (new app, dependencies not '
              'cached): %.2f s' % cold, flush=True)
        warm = []
        for i in range(self.args.rounds):
            greeting = 'Hello warm %d %s' % (i, token)
            self.commit(greeting)
            warm.append(self.push(greeting))
        print('push-to-serving of source, warm (code-only change): median '
              '%.2f s, min %.2f s, max %.2f s over %d (target <= 5 s)' % (
                  statistics.median(warm), min(warm), max(warm), len(warm)),
              flush=True)
        # Its containers, route and images go with it.
        requests.delete(self.api + '/v1/apps/%s' % PUSH_APP, timeout=60)
        fx.wait_until(lambda: requests.get(
            self.api + '/v1/apps/%s' % PUSH_APP, timeout=10
        ).status_code == 404, timeout=120)

    # ------------------------------------------------------------- run

    def run(self):
        self.start()
        self.run_pushes()
        self.build_images()
        v1, v2 = self.images
        app = self.call('POST', '/v1/apps', json={
            'version': 1, 'name': APP, 'languagepack': 'python',
            'ports': [8080],
            'source': {'repository': 'https://git.example.com/b.git'}})
        self.app_uuid = app['id']

        first = self.push_to_serving(v1, 'v1')
        print('push-to-serving of an image, first deploy of a new app '
              '(router reload): %.2f s' % first, flush=True)
        warm = []
        for i in range(self.args.rounds):
            image, marker = (v2, 'v2') if i % 2 == 0 else (v1, 'v1')
            warm.append(self.push_to_serving(image, marker))
        print('push-to-serving of an image, warm redeploy: median '
              '%.2f s, min %.2f s, max %.2f s over %d' % (
                  statistics.median(warm), min(warm), max(warm), len(warm)),
              flush=True)

        outs = []
        for _i in range(self.args.rounds):
            self.scale(1)
            outs.append(self.scale(5))
        print('scale-out 1 -> 5, until all 5 are UP in the router: median '
              '%.2f s, min %.2f s, max %.2f s over %d (target <= 3 s)' % (
                  statistics.median(outs), min(outs), max(outs), len(outs)),
              flush=True)

        self.scale(1)
        (_name, port), = self.containers()
        for label, path in (('no work per request', '/'),
                            ('1 ms of CPU per request', '/?work=1')):
            self.throughput(label, port, path)

    def throughput(self, label, port, path):
        # Alternate the two, so that the load of other processes on this
        # shared machine falls on both alike; report the medians.
        direct, routed, errors = [], [], []
        for _i in range(self.args.rounds):
            rps, bad, sock = self.wrk('http://127.0.0.1:%s%s' % (port, path))
            direct.append(rps)
            errors.append(('direct', bad, sock))
            rps, bad, sock = self.wrk(
                'http://127.0.0.1:%d%s' % (self.router_port, path),
                host=self.host)
            routed.append(rps)
            errors.append(('router', bad, sock))
        d, r = statistics.median(direct), statistics.median(routed)
        print('requests/s, %s (replica cpus %s, %d connections, %d x %d s '
              'alternating): direct to the container median %.0f %s; '
              'through the router median %.0f %s: router = %.0f %% of '
              'direct (target >= 90 %%)' % (
                  label, self.args.app_cpus, self.args.connections,
                  self.args.rounds, self.args.duration, d,
                  [round(x) for x in direct], r, [round(x) for x in routed],
                  100.0 * r / d), flush=True)
        failed = [e for e in errors if e[1] or e[2] != 'none']
        if failed:
            print('errors during the throughput runs: %s' % failed,
                  flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--duration', type=int, default=5,
                        help='seconds of each wrk run')
    parser.add_argument('--connections', type=int, default=16)
    parser.add_argument('--threads', type=int, default=1,
                        help='wrk threads (this machine has 2 cores, '
                             'shared by wrk, HAProxy and the app)')
    parser.add_argument('--router-threads', type=int, default=1)
    parser.add_argument('--app-cpus', default='1.0',
                        help='CPU limit of each replica ([deployer] cpus)')
    parser.add_argument('--verbose', action='store_true',
                        help='print the whole output of wrk')
    parser.add_argument('--keep', action='store_true',
                        help='keep the state directory (logs)')
    args = parser.parse_args()
    if shutil.which('wrk') is None:
        raise SystemExit('cannot run: wrk is not installed')
    run(Bench, args)


def run(bench_class, args):
    """Run a bench of ``bench_class`` with ``args`` where it can run, and
    clean up after it whatever happens."""
    reason = fx.unavailable()
    if reason:
        raise SystemExit('cannot run: %s' % reason)
    bench = bench_class(args)
    try:
        bench.run()
    finally:
        bench.cleanup()


if __name__ == '__main__':
    main()
