#!/usr/bin/env python3
"""Benchmark the builder on the sample Python app (examples/python-hello).

Runs the builder's own code path (git fetch from a file:// repository,
language pack detection, Containerfile generation, buildah bud --layers)
and prints, in seconds:

* cold build: the base image is present, the dependencies are not cached
  (the requirements file gets a unique comment, so the pip layer is new and
  pip downloads flask and gunicorn through the proxy);
* warm rebuild: only the code changed (app.py), so the dependency layer
  comes from the cache.

Targets on a 2-core machine: cold <= 15 s, warm <= 3 s.

Usage (as root, from the repository)::

    tox -e bench -- tools/bench/build_bench.py [--runs N]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

from solum import conf
from solum.builder import base_images
from solum.builder import buildah
from solum.builder import languagepacks
from solum.builder import source
from solum.common import images as common_images

CONF = conf.CONF
HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, '..', '..', 'examples', 'python-hello')


def _git(repo, *args):
    subprocess.run(['git', '-C', repo, '-c', 'user.name=bench', '-c',
                    'user.email=bench@solum.invalid'] + list(args),
                   check=True, capture_output=True)


def _build(workdir, repo, tag, log):
    """One build through the builder's code path; returns seconds."""
    started = time.monotonic()
    build_dir = tempfile.mkdtemp(dir=workdir)
    try:
        src = os.path.join(build_dir, 'src')
        commit = source.fetch('file://' + repo, 'main', src, log)
        recipe = languagepacks.recipe(src, 'python')
        buildah.build(build_dir, src, recipe, tag,
                      {common_images.LABEL_APP: 'bench',
                       common_images.LABEL_COMMIT: commit,
                       common_images.LABEL_BUILD_ID: tag.rsplit(':', 1)[1]},
                      log)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
    return time.monotonic() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=1,
                        help='cold/warm pairs to run (default 1)')
    parser.add_argument('--isolation', choices=['chroot', 'oci'],
                        default='chroot', help='buildah --isolation')
    parser.add_argument('--verbose', action='store_true',
                        help='print the build output')
    args = parser.parse_args(argv)
    CONF([], project='solum', default_config_files=[])
    workdir = tempfile.mkdtemp(prefix='solum-build-bench-')
    CONF.set_override('state_path', os.path.join(workdir, 'state'))
    CONF.set_override('isolation', args.isolation, group='builder')
    log = print if args.verbose else (lambda line: None)
    base_images.ensure_base_image('python', log=log)
    tags = []
    results = []
    try:
        for run in range(args.runs):
            repo = os.path.join(workdir, 'repo%d' % run)
            shutil.copytree(EXAMPLE, repo)
            nonce = uuid.uuid4().hex
            with open(os.path.join(repo, 'requirements.txt'), 'a') as f:
                f.write('# bench %s: not in the layer cache\n' % nonce)
            subprocess.run(['git', 'init', '-q', '-b', 'main', repo],
                           check=True)
            _git(repo, 'add', '-A')
            _git(repo, 'commit', '-q', '-m', 'cold')
            tag = 'localhost/solum/bench/python-hello:cold-%s' % nonce[:8]
            tags.append(tag)
            cold = _build(workdir, repo, tag, log)
            with open(os.path.join(repo, 'app.py'), 'a') as f:
                f.write('\n# code-only change %s\n' % nonce)
            _git(repo, 'commit', '-q', '-am', 'warm')
            tag = 'localhost/solum/bench/python-hello:warm-%s' % nonce[:8]
            tags.append(tag)
            warm = _build(workdir, repo, tag, log)
            results.append((cold, warm))
            print('run %d: cold build %.1f s, warm rebuild %.1f s'
                  % (run + 1, cold, warm), flush=True)
    finally:
        if tags:
            subprocess.run(['podman', 'rmi'] + tags,
                           capture_output=True, check=False)
        shutil.rmtree(workdir, ignore_errors=True)
    colds = sorted(c for c, _ in results)
    warms = sorted(w for _, w in results)
    cold = colds[len(colds) // 2]
    warm = warms[len(warms) // 2]
    print('cold build (base image present, dependencies not cached): '
          '%.1f s (target <= 15 s)' % cold)
    print('warm rebuild (code-only change): %.1f s (target <= 3 s)' % warm)
    return 0 if cold <= 15 and warm <= 3 else 1


if __name__ == '__main__':
    sys.exit(main())
