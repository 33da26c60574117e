from solum.builder import reasons
from solum.tests import base


class TestBuildReasons(base.TestCase):

    def test_pip_no_distribution(self):
        tail = ['ERROR: Could not find a version that satisfies the '
                'requirement flsk (from versions: none)',
                'ERROR: No matching distribution found for flsk',
                'error building at STEP "RUN ... pip install -r '
                'requirements.txt": exit status 1']
        self.assertEqual("requirements.txt: no matching distribution for "
                         "'flsk'",
                         reasons.build_failure(tail, 'requirements.txt'))

    def test_npm(self):
        self.assertEqual(
            "package.json: package 'nosuchpkg-zz' is not in the npm "
            "registry", reasons.build_failure(
                ['npm ERR! code E404',
                 'npm ERR! 404 Not Found - GET https://registry.npmjs.org/'
                 'nosuchpkg-zz - Not found'], 'package.json'))
        self.assertEqual(
            "package.json: no matching version for 'left-pad@^99'",
            reasons.build_failure(
                ['npm ERR! code ETARGET',
                 'npm ERR! notarget No matching version found for '
                 'left-pad@^99.'], 'package.json'))

    def test_npm_not_in_registry_names_the_package(self):
        tail = ['npm ERR! 404 Not Found - GET https://registry.npmjs.org/'
                '@scope%2fnope', 'npm ERR! 404 ',
                "npm ERR! 404  '@scope/nope@^1.0.0' is not in this "
                "registry."]
        self.assertEqual("package.json: package '@scope/nope' is not in "
                         "the npm registry",
                         reasons.build_failure(tail, 'package.json'))

    def test_failed_step(self):
        tail = ['/bin/sh: 1: make: not found',
                'error building at STEP "RUN make": error while running '
                'runtime: exit status 127']
        reason = reasons.build_failure(tail, 'Containerfile')
        self.assertIn("build step 'RUN make' failed", reason)

    def test_killed_step(self):
        tail = ['Killed', 'Error: building at STEP "RUN python3 -c "x = '
                '1"": while running runtime: exit status 137']
        self.assertEqual(
            "build step 'RUN python3 -c \"x = 1\"' was killed (exit status "
            "137): out of memory? builds may use 1g",
            reasons.build_failure(tail, memory='1g'))

    def test_missing_base_image(self):
        tail = ['STEP 1/2: FROM docker.io/library/python:3.12',
                'Error: error creating build container: initializing '
                'source docker://python:3.12: pinging container registry '
                'registry-1.docker.io: dial tcp: lookup failed']
        self.assertIn('base image docker.io/library/python:3.12 is not '
                      'available', reasons.build_failure(tail))

    def test_tests(self):
        self.assertEqual('test_cmd exited 1', reasons.test_failure(1))
        self.assertIn('out of memory', reasons.test_failure(137))
