"""shellcheck on every script of the DevStack plugin (and the harness's
stand-ins for DevStack's functions), with no finding left."""

import os
import shutil
import subprocess

import testtools

from solum.tests.functional.harness import keystone

REPO = keystone.REPO_ROOT


def devstack_scripts():
    scripts = []
    for root, _dirs, files in os.walk(os.path.join(REPO, 'devstack')):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, REPO)
            if rel.startswith(os.path.join('devstack', 'files')) or \
                    name.endswith(('.rst', '.yaml')):
                continue
            scripts.append(rel)
    scripts.append(os.path.join('solum', 'tests', 'functional', 'harness',
                                'devstack-functions.sh'))
    return sorted(scripts)


class TestShellcheck(testtools.TestCase):

    def test_devstack_scripts_are_clean(self):
        shellcheck = shutil.which('shellcheck')
        if shellcheck is None:
            self.skipTest('shellcheck is not installed '
                          '(tools/install-test-packages.sh installs it)')
        scripts = devstack_scripts()
        for expected in ('devstack/plugin.sh', 'devstack/settings',
                         'devstack/lib/solum'):
            self.assertIn(expected, scripts)
        proc = subprocess.run(
            [shellcheck, '--external-sources', '--source-path=SCRIPTDIR',
             '--shell=bash', '--severity=style', *scripts],
            cwd=REPO, capture_output=True, text=True, timeout=120)
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
