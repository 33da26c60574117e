#!/usr/bin/env python3
"""git push to deploy, on this machine: from `git push` to the first 200
of the new code through the router, with failed requests counted.

Starts its own solum-all (as deploy_bench.py does: SQLite, in-process
RPC, noauth, loopback, state in a temporary directory), creates an app
with no source repository (its source is its own git remote), and
pushes examples/python-hello to it with git's own client over loopback
HTTP: once cold (a new app, its dependencies not cached), then
``--pushes`` code-only changes, warm, while clients send about
``--rate`` requests/s to the app through the router. Prints the median
and every run, the failed requests during each push, and the timeline
of the median run: each line `git push` printed (the build's "remote:"
lines), with the second it arrived.

    tox -e bench -- tools/bench/git_push_bench.py   (as root)
    ... git_push_bench.py --pushes 10 --rate 100
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_bench  # noqa: E402
import redeploy_bench  # noqa: E402

from solum.tests.functional import deployer_fixtures as fx  # noqa: E402
from solum.tests.functional import samples  # noqa: E402

PUSH_APP = deploy_bench.PUSH_APP


def _git(*argv, cwd):
    return subprocess.run(['git', '-c', 'user.name=bench', '-c',
                           'user.email=bench@localhost'] + list(argv),
                          cwd=cwd, check=True, capture_output=True,
                          text=True, timeout=60)


class GitPushBench(redeploy_bench.RedeployBench):

    def push(self, greeting):
        """`git push` to the first 200 answering ``greeting``:
        (seconds, seconds until git push returned, [(offset, line)])."""
        lines = []
        start = time.monotonic()
        proc = subprocess.Popen(
            ['git', 'push', '--progress', 'solum', 'HEAD:main'],
            cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=dict(os.environ, GIT_TERMINAL_PROMPT='0'))

        def read():
            pending = b''
            while True:
                data = proc.stderr.read1(65536)
                if not data:
                    break
                pending += data
                *done, pending = pending.replace(b'\r', b'\n').split(b'\n')
                now = time.monotonic() - start
                lines.extend((now, x.decode(errors='replace').rstrip())
                             for x in done if x.strip())
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        served = fx.wait_until(
            lambda: self.pushed_body().startswith(greeting + '!'),
            timeout=600, interval=0.01)
        elapsed = time.monotonic() - start
        proc.wait(600)
        returned = time.monotonic() - start
        reader.join(10)
        if not served or proc.returncode:
            raise SystemExit('git push (exit %s) never served %r:\n%s' % (
                proc.returncode, greeting, '\n'.join(x for _t, x in lines)))
        lines.append((elapsed, '** first 200 of the new code through the '
                               'router'))
        lines.sort(key=lambda x: x[0])
        return elapsed, returned, lines

    def run(self):
        self.start()
        self.work = os.path.join(self.state, 'python-hello')
        token = '%d-%d' % (os.getpid(), int(time.time()))
        greeting = 'Hello cold %s' % token
        samples.commit_python_sample(self.work, greeting,
                                     requirements_note='bench %s' % token)
        app = self.call('POST', '/v1/apps', json={
            'version': 1, 'name': PUSH_APP, 'languagepack': 'python',
            'ports': [8080],
            'workflow_config': {'test_cmd': 'python -m unittest -v'}})
        _git('remote', 'add', 'solum', app['git_url'], cwd=self.work)
        cold, _returned, _lines = self.push(greeting)
        print('git push to serving, cold (new app, dependencies not '
              'cached): %.2f s' % cold, flush=True)

        self.host = '%s.%s.apps.localhost:%d' % (
            PUSH_APP, deploy_bench.PROJECT, self.router_port)
        self.start_load()
        time.sleep(1)
        runs = []
        try:
            for i in range(self.args.pushes):
                greeting = 'Hello warm %d %s' % (i, token)
                samples.commit_python_sample(self.work, greeting)
                begin = time.monotonic()
                elapsed, returned, lines = self.push(greeting)
                # Requests sent while the push ran, and a moment after.
                time.sleep(0.3)
                failed = self.failures(self.records(begin,
                                                    time.monotonic()))
                runs.append((elapsed, returned, lines, failed))
                time.sleep(self.args.pause)
        finally:
            for c in self.clients:
                c.stop()
        self.report(runs)

    def report(self, runs):
        times = sorted(r[0] for r in runs)
        sent = sum(len(c.records) for c in self.clients)
        failed = [f for r in runs for f in r[3]]
        print('git push to serving, warm (code-only change, rebuilt, unit '
              'tests run): median %.2f s, min %.2f s, max %.2f s over %d: '
              '%s (target <= 2.5 s)' % (
                  statistics.median(times), times[0], times[-1], len(times),
                  ' '.join('%.2f' % t for t in times)), flush=True)
        print('git push returned (the workflow finished): median %.2f s' %
              statistics.median(r[1] for r in runs))
        print('failed requests during the %d pushes: %d of %d sent at '
              '%.0f/s through the router%s' % (
                  len(runs), len(failed), sent, self.args.rate,
                  (': %s' % failed[:5]) if failed else ''))
        median = sorted(runs, key=lambda r: r[0])[(len(runs) - 1) // 2]
        print('timeline of the median warm run (%.2f s), seconds after '
              '`git push` started:' % median[0])
        for when, line in median[2]:
            print('  %7.3f  %s' % (when, line[:150]))
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--pushes', type=int, default=10,
                        help='warm pushes (code-only changes)')
    redeploy_bench.add_load_arguments(parser, pause=0.5)
    deploy_bench.run(GitPushBench, parser.parse_args())


if __name__ == '__main__':
    main()
