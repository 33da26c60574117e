#!/usr/bin/env python3
"""API benchmark: requests/s and p50/p99 latency of GET /v1/apps (100 apps)
and POST /v1/apps, against solum-api (--workers processes) on SQLite, with
noauth and (when the minicloud Keystone is up or can be started) with
Keystone tokens.

    python tools/bench/api_bench.py [--duration 10] [--connections 8]
                                    [--workers N] [--no-keystone]

Load comes from wrk (Debian package "wrk") on loopback; each run is
bounded by --duration. Target on a 2-core machine: GET /v1/apps >= 500
requests/s with p99 <= 50 ms.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

from solum.tests.functional import base as functional_base
from solum.tests.functional.harness import keystone as keystone_harness

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)

POST_LUA = """
counter = 0
threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"version": 1, "name": "b-%%s-%%d-%%d", "languagepack": "python", ' ..
    '"source": {"repository": "https://git.example.com/b.git"}}',
    "%(tag)s", tid, counter)
  return wrk.format("POST", "/v1/apps", {["Content-Type"] =
    "application/json"%(token)s}, body)
end
"""


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_solum(state, auth, workers, threads, keystone=None):
    port = free_port()
    conf = os.path.join(state, 'solum.conf')
    with open(conf, 'w') as f:
        f.write('[DEFAULT]\nauth_strategy = %s\nstate_path = %s\n'
                '[api]\nport = %d\nworkers = %d\nthreads = %d\n'
                '[quota]\napps = -1\n' % (auth, state, port, workers,
                                          threads))
        if keystone:
            f.write(functional_base.keystone_config(keystone))
            # auth_token caches validated tokens, as in production.
            f.write('[keystone_authtoken]\ntoken_cache_time = 300\n')
    subprocess.run([os.path.join(BIN, 'solum-db-manage'), '--config-file',
                    conf, 'upgrade'], check=True, capture_output=True)
    log = open(os.path.join(state, 'solum-api.log'), 'wb')  # noqa: SIM115
    proc = subprocess.Popen([os.path.join(BIN, 'solum-api'),
                             '--config-file', conf], stdout=log,
                            stderr=subprocess.STDOUT)
    url = 'http://127.0.0.1:%d' % port
    for _ in range(200):
        try:
            if requests.get(url + '/healthcheck', timeout=1).ok:
                return proc, url
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    proc.kill()
    sys.exit('solum-api did not start; see %s/solum-api.log' % state)


def parse_wrk(output):
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', output).group(1))
    latency = {}
    for pct in ('50', '99'):
        m = re.search(r'\s%s(?:\.000)?%%\s+([\d.]+)(us|ms|s)' % pct, output)
        value, unit = float(m.group(1)), m.group(2)
        latency[pct] = value * {'us': 0.001, 'ms': 1, 's': 1000}[unit]
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', output)
    return rps, latency['50'], latency['99'], int(errors.group(1)) \
        if errors else 0


def wrk(url, duration, connections, headers=(), script=None, threads=1):
    argv = ['wrk', '-t', str(threads), '-c', str(connections), '-d',
            '%ds' % duration, '--latency']
    for header in headers:
        argv += ['-H', header]
    if script:
        argv += ['-s', script]
    argv.append(url)
    out = subprocess.run(argv, capture_output=True, text=True,
                         timeout=duration + 60, check=True).stdout
    return parse_wrk(out)


def run_mode(name, auth, args, keystone=None, token=None):
    state = tempfile.mkdtemp(prefix='solum-bench-')
    proc, url = start_solum(state, auth, args.workers, args.threads,
                            keystone)
    headers = ['X-Auth-Token: %s' % token] if token else []
    hdict = dict(h.split(': ', 1) for h in headers)
    try:
        for i in range(100):
            resp = requests.post(url + '/v1/apps', headers=hdict, json={
                'version': 1, 'name': 'app-%03d' % i,
                'languagepack': 'python',
                'source': {'repository': 'https://git.example.com/a.git'}},
                timeout=10)
            resp.raise_for_status()
        assert len(requests.get(url + '/v1/apps', headers=hdict,
                                timeout=10).json()) == 100
        results = {}
        results['GET /v1/apps'] = wrk(url + '/v1/apps', args.duration,
                                      args.connections, headers)
        lua = os.path.join(state, 'post.lua')
        with open(lua, 'w') as f:
            f.write(POST_LUA % {
                'tag': name, 'token': (', ["X-Auth-Token"] = "%s"' % token)
                if token else ''})
        results['POST /v1/apps'] = wrk(url + '/v1/apps', args.duration,
                                       args.connections, headers,
                                       script=lua)
        for what, (rps, p50, p99, errors) in results.items():
            print('%-9s %-14s %8.1f req/s   p50 %6.1f ms   p99 %6.1f ms'
                  '%s' % (name, what, rps, p50, p99,
                          '   (%d non-2xx)' % errors if errors else ''),
                  flush=True)
        return results
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        shutil.rmtree(state, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--duration', type=int, default=10)
    parser.add_argument('--connections', type=int, default=8)
    parser.add_argument('--workers', type=int, default=os.cpu_count())
    parser.add_argument('--threads', type=int, default=4,
                        help='threads per API worker')
    parser.add_argument('--no-keystone', action='store_true')
    args = parser.parse_args()
    if shutil.which('wrk') is None:
        sys.exit('wrk is needed: apt-get install wrk')
    print('solum-api on SQLite, %d workers x %d threads, %d connections, '
          '%d s per run, %d cores' % (args.workers, args.threads,
                                      args.connections, args.duration,
                                      os.cpu_count()))
    run_mode('noauth', 'noauth', args)
    if args.no_keystone:
        return
    try:
        cloud = keystone_harness.ensure_keystone()
    except keystone_harness.HarnessError as e:
        print('keystone: skipped (%s)' % str(e).splitlines()[0])
        return
    token = keystone_harness.get_token('alice')
    run_mode('keystone', 'keystone', args, keystone=cloud, token=token)
    print(json.dumps({'note': 'auth_token caches validated tokens, so '
                              'the keystone figures include one '
                              'validation, then cache hits'}))


if __name__ == '__main__':
    main()
