import os
import threading

import fixtures

from solum.builder import buildah
from solum.builder import manager
from solum.builder import process
from solum.builder import source
from solum.common import context as solum_context
from solum.common import images
from solum.common import states
from solum.db import api as db_api
from solum.tests import base

PROJECT = 'a0000000000000000000000000000000'


class BuilderTestBase(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.ctx = solum_context.RequestContext(project_id=PROJECT,
                                                user_id='u')
        self.app = db_api.create_app(self.ctx, {
            'name': 'hello', 'languagepack': 'python', 'ports': [8080],
            'source': {'repository': 'https://h/r.git', 'revision': 'main'},
            'workflow_config': {'test_cmd': 'pytest'}})
        self.mgr = manager.BuilderManager()
        self.mgr.conductor = base.RecordingConductor()
        self.tests = []
        self.mgr.deployer = base.RecordingDeployer(
            tests_run=lambda: len(self.tests))
        self.fetched = []
        self.removed = []
        self.built = []
        self.test_rc = 0
        self.patch('solum.builder.source.fetch', self._fetch)
        self.patch('solum.builder.base_images.ensure_base_image',
                   lambda kind, log: 'base-id')
        self.patch('solum.builder.buildah.build', self._build)
        self.patch('solum.builder.testrun.run_tests', self._run_tests)
        self.patch('solum.common.images.remove',
                   lambda refs, log=None: self.removed.extend(refs))
        self.patch('solum.common.images.digest', lambda ref: 'sha256:d1')

    def patch(self, name, value):
        self.useFixture(fixtures.MonkeyPatch(name, value))

    def _fetch(self, url, revision, dest, log, private_key=None,
               known_hosts=None, own_repository=None):
        self.fetched.append((url, revision))
        os.makedirs(dest)
        for name, text in (('requirements.txt', 'flask\n'),
                           ('app.py', 'app = None\n')):
            with open(os.path.join(dest, name), 'w') as f:
                f.write(text)
        return 'c0ffee' * 6 + 'abcd'

    def _run_tests(self, image, cmd, name, log, env=None):
        self.tests.append(image)
        return self.test_rc

    def _build(self, workdir, src, recipe, tag, labels, log,
               project_id=None, base=None):
        self.built.append((tag, labels))
        log('STEP 1/1: FROM x')
        return 'f' * 64

    def workflow(self, actions=('unittest', 'build'), status=None,
                 config=None, result=None):
        wf = db_api.create_workflow(self.ctx, self.app, {
            'actions': list(actions), 'source': self.app.source,
            'config': self.app.workflow_config if config is None
            else config}, status or states.UNIT_TESTING)
        if result:
            db_api.update_workflow_result(None, wf.uuid, result)
        return wf

    def log_text(self, wf):
        return '\n'.join(x.message for x in
                         db_api.get_log_lines(None, wf.uuid))


class TestBuilderManager(BuilderTestBase):

    def test_unit_test_passes_and_records_the_candidate(self):
        wf = self.workflow()
        self.mgr.unit_test(None, wf.uuid)
        [(expected, target, reason, result)] = self.mgr.conductor.reports
        self.assertEqual((states.UNIT_TESTING, states.UNIT_TESTING_PASSED,
                          None), (expected, target, reason))
        tag = 'localhost/solum/%s/hello:wf1-c0ffeec0ffee' % PROJECT
        self.assertEqual(tag, result['candidate_image'])
        self.assertEqual('wf1-c0ffeec0ffee', result['build_id'])
        self.assertEqual(self.app.uuid,
                         self.built[0][1][images.LABEL_APP])
        self.assertIn('STEP 1/1', self.log_text(wf))
        self.assertIn('language pack python', self.log_text(wf))
        # The workspace is gone.
        self.assertEqual([], os.listdir(os.path.join(
            self.state_path, 'builds', PROJECT)))

    def test_the_replica_starts_before_the_tests_of_a_deploying_workflow(
            self):
        wf = self.workflow(actions=('unittest', 'build', 'deploy'))
        self.mgr.unit_test(None, wf.uuid)
        tag = 'localhost/solum/%s/hello:wf1-c0ffeec0ffee' % PROJECT
        # Cast with the candidate once it exists, while no test had run.
        self.assertEqual([('prestart', wf.uuid, tag, 0)],
                         self.mgr.deployer.calls)
        self.assertEqual([tag], self.tests)

    def test_failing_tests_discard_the_replica(self):
        self.test_rc = 1
        wf = self.workflow(actions=('unittest', 'build', 'deploy'))
        removed_by_then = []
        discard = self.mgr.deployer.discard_prestart

        def discard_first(context, workflow_uuid, wait=False):
            removed_by_then.append(list(self.removed))
            discard(context, workflow_uuid, wait=wait)
        self.mgr.deployer.discard_prestart = discard_first
        self.mgr.unit_test(None, wf.uuid)
        # Waited for, before the candidate it runs is removed.
        self.assertEqual([('prestart', False), ('discard_prestart', True)],
                         [(c[0], c[2] is True)
                          for c in self.mgr.deployer.calls])
        self.assertEqual([[]], removed_by_then)
        self.assertEqual(1, len(self.removed))
        self.assertEqual(states.UNIT_TESTING_FAILED,
                         self.mgr.conductor.reports[-1][1])

    def test_no_replica_for_a_workflow_that_does_not_deploy(self):
        wf = self.workflow(actions=('unittest', 'build'))
        self.mgr.unit_test(None, wf.uuid)
        self.assertEqual([], self.mgr.deployer.calls)

    def test_a_failed_build_stage_discards_the_replica(self):
        wf = self.workflow(actions=('unittest', 'build', 'deploy'),
                           status=states.BUILDING)

        def broken(*args, **kwargs):
            raise buildah.BuildError('boom')
        self.patch('solum.builder.buildah.build', broken)
        self.mgr.build(None, wf.uuid)
        self.assertEqual([('discard_prestart', wf.uuid, False, 0)],
                         self.mgr.deployer.calls)

    def _counting_base(self, present):
        checks = []

        def ensure(kind, log):
            checks.append(kind)
            return 'base-id'
        self.patch('solum.builder.base_images.ensure_base_image', ensure)
        self.patch('solum.builder.base_images.present_id',
                   lambda name: 'base-id' if present else None)
        return checks

    def test_the_base_image_is_checked_once_per_builder(self):
        checks = self._counting_base(present=True)
        for _i in range(2):
            wf = self.workflow(status=states.BUILDING, actions=('build',))
            self.mgr.build(None, wf.uuid)
        self.assertEqual(['python'], checks)
        self.assertEqual(2, len(self.built))
        self.assertEqual([states.BUILT, states.BUILT],
                         [r[1] for r in self.mgr.conductor.reports])

    def test_a_base_image_gone_since_is_bootstrapped_again(self):
        checks = self._counting_base(present=False)
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.build(None, wf.uuid)
        builds = []

        def build_once_missing(workdir, src, recipe, tag, labels, log,
                               project_id=None, base=None):
            builds.append(tag)
            if len(builds) == 1:
                raise buildah.BuildError('build step failed: '
                                         'image not known')
            return 'i' * 64
        self.patch('solum.builder.buildah.build', build_once_missing)
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.build(None, wf.uuid)
        self.assertEqual(['python', 'python'], checks)
        self.assertEqual(2, len(builds))
        self.assertEqual(states.BUILT, self.mgr.conductor.reports[-1][1])
        self.assertIn('is gone: bootstrapping it and building again',
                      self.log_text(wf))

    def test_a_failing_build_with_its_base_present_is_not_retried(self):
        checks = self._counting_base(present=True)
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.build(None, wf.uuid)
        builds = []

        def broken(*args, **kw):
            builds.append(1)
            raise buildah.BuildError("build step 'RUN make' failed")
        self.patch('solum.builder.buildah.build', broken)
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.build(None, wf.uuid)
        self.assertEqual(1, len(builds))
        self.assertEqual((states.ERROR, "build step 'RUN make' failed"),
                         self.mgr.conductor.reports[-1][1:3])
        # Forgotten: the next build asks podman again.
        self.assertEqual(['python'], checks)
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.build(None, wf.uuid)
        self.assertEqual(['python', 'python'], checks)

    def test_failing_tests_remove_the_candidate(self):
        self.test_rc = 1
        wf = self.workflow()
        self.mgr.unit_test(None, wf.uuid)
        [(_e, target, reason, _r)] = self.mgr.conductor.reports
        self.assertEqual((states.UNIT_TESTING_FAILED, 'test_cmd exited 1'),
                         (target, reason))
        self.assertEqual([self.built[0][0]], self.removed)

    def test_no_test_cmd_passes_without_building(self):
        wf = self.workflow(config={})
        self.mgr.unit_test(None, wf.uuid)
        self.assertEqual(states.UNIT_TESTING_PASSED,
                         self.mgr.conductor.reports[0][1])
        self.assertEqual([], self.built)
        self.assertIn('no test_cmd', self.log_text(wf))

    def test_du_id_must_be_this_projects_image(self):
        wf = db_api.create_workflow(self.ctx, self.app, {
            'actions': ['unittest'], 'du_id': 'localhost/solum/other/x:1',
            'source': self.app.source, 'config': {'test_cmd': 'true'}},
            states.UNIT_TESTING)
        labels = {images.LABEL_PROJECT: 'other'}
        self.patch('solum.common.images.labels', lambda ref: labels)
        self.mgr.unit_test(None, wf.uuid)
        self.assertEqual((states.ERROR, 'image localhost/solum/other/x:1 '
                          '(du_id) was not built by Solum for this project'),
                         self.mgr.conductor.reports[0][1:3])
        labels[images.LABEL_PROJECT] = PROJECT
        wf = db_api.create_workflow(self.ctx, self.app, {
            'actions': ['unittest'], 'du_id': 'localhost/solum/a/x:1',
            'source': self.app.source, 'config': {'test_cmd': 'true'}},
            states.UNIT_TESTING)
        self.mgr.unit_test(None, wf.uuid)
        self.assertEqual(states.UNIT_TESTING_PASSED,
                         self.mgr.conductor.reports[1][1])
        self.assertEqual([], self.removed)  # du_id images are kept

    def test_build_reuses_the_candidate(self):
        tag = 'localhost/solum/%s/hello:wf1-abc' % PROJECT
        wf = self.workflow(status=states.BUILDING, result={
            'candidate_image': tag, 'candidate_image_id': 'i' * 64,
            'commit': 'abc', 'build_id': 'wf1-abc'})
        inspected = []

        def labels_and_digest(ref):
            inspected.append(ref)
            return {images.LABEL_APP: self.app.uuid}, 'sha256:d2'
        self.patch('solum.common.images.labels_and_digest',
                   labels_and_digest)
        # One podman call for the check and the digest: the store takes
        # the digest it read.
        self.patch('solum.common.images.digest', None)
        self.mgr.build(None, wf.uuid)
        self.assertEqual([tag], inspected)
        [(expected, target, reason, result)] = self.mgr.conductor.reports
        self.assertEqual((states.BUILDING, states.BUILT, None),
                         (expected, target, reason))
        self.assertEqual({'image': tag, 'image_id': 'i' * 64,
                          'digest': 'sha256:d2', 'store': 'local',
                          'commit': 'abc', 'build_id': 'wf1-abc'}, result)
        self.assertEqual([], self.fetched)
        self.assertEqual([], self.built)

    def test_the_tested_candidate_is_reused_without_asking_podman(self):
        # The unit-test stage read the candidate's digest while its tests
        # ran; the build stage takes it from the result.
        wf = self.workflow()
        self.mgr.unit_test(None, wf.uuid)
        tested = self.mgr.conductor.reports[-1][3]
        self.assertEqual('sha256:d1', tested['candidate_digest'])
        wf = self.workflow(status=states.BUILDING, result=tested)

        def no_podman(*args, **kwargs):
            raise AssertionError('podman asked again')
        self.patch('solum.common.images.labels_and_digest', no_podman)
        self.patch('solum.common.images.digest', no_podman)
        self.mgr.build(None, wf.uuid)
        [_u, (_e, target, reason, result)] = self.mgr.conductor.reports
        self.assertEqual((states.BUILT, None), (target, reason))
        self.assertEqual((tested['candidate_image'], 'sha256:d1'),
                         (result['image'], result['digest']))
        self.assertEqual(1, len(self.built))

    def test_build_without_candidate_fetches_and_builds(self):
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.build(None, wf.uuid)
        [(_e, target, _reason, result)] = self.mgr.conductor.reports
        self.assertEqual(states.BUILT, target)
        self.assertEqual([('https://h/r.git', 'main')], self.fetched)
        self.assertEqual(self.built[0][0], result['image'])

    def test_errors_have_one_line_reasons(self):
        def broken(*args, **kw):
            raise buildah.BuildError("requirements.txt: no matching "
                                     "distribution for 'flsk'")
        self.patch('solum.builder.buildah.build', broken)
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.build(None, wf.uuid)
        self.assertEqual(
            (states.BUILDING, states.ERROR,
             "requirements.txt: no matching distribution for 'flsk'", None),
            self.mgr.conductor.reports[0])
        self.assertIn("ERROR: requirements.txt: no matching", self.log_text(
            wf))

    def test_fetch_errors(self):
        def fail(*args, **kw):
            raise source.SourceError('repository https://h/r.git not found')
        self.patch('solum.builder.source.fetch', fail)
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.build(None, wf.uuid)
        self.assertEqual('repository https://h/r.git not found',
                         self.mgr.conductor.reports[0][2])

    def test_unexpected_errors_still_end_the_stage(self):
        def boom(*args, **kw):
            raise RuntimeError('disk on fire\nmore')
        self.patch('solum.builder.buildah.build', boom)
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.build(None, wf.uuid)
        self.assertEqual('internal error in the builder: disk on fire',
                         self.mgr.conductor.reports[0][2])

    def test_timeout_reason(self):
        def slow(*args, **kw):
            raise process.CommandError('x', timed_out=True)
        self.patch('solum.builder.testrun.run_tests', slow)
        wf = self.workflow()
        self.mgr.unit_test(None, wf.uuid)
        self.assertEqual((states.UNIT_TESTING_FAILED,
                          'test_cmd timed out after 600 s'),
                         self.mgr.conductor.reports[0][1:3])

    def test_duplicate_requests_are_ignored(self):
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        entered = threading.Event()
        release = threading.Event()

        def slow_build(*args, **kw):
            entered.set()
            release.wait(10)
            return 'f' * 64
        self.patch('solum.builder.buildah.build', slow_build)
        first = threading.Thread(target=self.mgr.build, args=(None,
                                                              wf.uuid))
        first.start()
        self.assertTrue(entered.wait(10))
        self.mgr.build(None, wf.uuid)  # returns at once: already running
        release.set()
        first.join(10)
        self.assertEqual(1, len(self.mgr.conductor.reports))

    def test_stage_for_a_moved_workflow_does_nothing(self):
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.mgr.unit_test(None, wf.uuid)
        self.assertEqual([], self.mgr.conductor.reports)


class FakeStore:
    def __init__(self, name, calls):
        self.name = name
        self.calls = calls

    def store(self, context, image, log):
        self.calls.append((self.name, 'store', image.ref))
        return {'image': image.ref, 'image_id': image.image_id,
                'store': self.name}

    def delete_app_images(self, context, app, log):
        self.calls.append((self.name, 'delete', app.uuid, app.trust_id))
        return ['x']


class TestDeletedDuringStage(BuilderTestBase):
    """An app deleted while its build or unit-test stage runs: its
    deletion removed its images before the stage made one."""

    def setUp(self):
        super().setUp()
        self.store_calls = []
        self.patch('solum.builder.image_stores.get_store',
                   lambda name=None: FakeStore(
                       name or manager.CONF.builder.image_store,
                       self.store_calls))

    def build_then(self, change):
        def build(workdir, src, recipe, tag, labels, log, project_id=None,
                  base=None):
            self.built.append((tag, labels))
            change()
            return 'f' * 64
        self.patch('solum.builder.buildah.build', build)

    def test_build_finishing_after_the_delete_removes_its_image(self):
        wf = self.workflow(status=states.BUILDING,
                           actions=('build', 'deploy'))
        self.build_then(lambda: db_api.destroy_app(None, self.app.id))
        self.mgr.build(None, wf.uuid)
        tag = self.built[0][0]
        self.assertEqual([('local', 'store', tag),
                          ('local', 'delete', self.app.uuid, None)],
                         self.store_calls)
        # The workflow went with the app: nothing to report, no deploy.
        self.assertEqual([], self.mgr.conductor.reports)

    def test_build_of_an_app_being_deleted_ends_the_workflow(self):
        self.conf.config(image_store='glance', group='builder')
        db_api.update_app(self.ctx, self.app.uuid, {'trust_id': 't1'})
        wf = self.workflow(status=states.BUILDING,
                           actions=('build', 'deploy'))
        self.build_then(lambda: db_api.set_app_status(None, self.app.id,
                                                      states.DELETING))
        self.mgr.build(None, wf.uuid)
        tag = self.built[0][0]
        # Both the Glance copy (through the app's trust) and the local one.
        self.assertEqual([('glance', 'store', tag),
                          ('glance', 'delete', self.app.uuid, 't1'),
                          ('local', 'delete', self.app.uuid, 't1')],
                         self.store_calls)
        [(expected, target, reason, result)] = self.mgr.conductor.reports
        self.assertEqual((states.BUILDING, states.ERROR, None),
                         (expected, target, result))
        self.assertEqual('the app was deleted during the build stage; the '
                         'images built for it were removed', reason)

    def test_tested_candidate_of_a_deleted_app_is_removed(self):
        wf = self.workflow()

        def run_tests(image, cmd, name, log, env=None):
            db_api.set_app_status(None, self.app.id, states.DELETING)
            return 0
        self.patch('solum.builder.testrun.run_tests', run_tests)
        self.mgr.unit_test(None, wf.uuid)
        self.assertEqual([('local', 'delete', self.app.uuid, None)],
                         self.store_calls)
        [(_e, target, reason, result)] = self.mgr.conductor.reports
        self.assertEqual((states.ERROR, None), (target, result))
        self.assertIn('deleted during the unittest stage', reason)

    def test_a_failed_removal_is_the_reason(self):
        wf = self.workflow(status=states.BUILDING, actions=('build',))
        self.build_then(lambda: db_api.set_app_status(None, self.app.id,
                                                      states.DELETING))

        def broken(self_, context, app, log):
            raise RuntimeError('image is in use by a container')
        self.patch(__name__ + '.FakeStore.delete_app_images', broken)
        self.mgr.build(None, wf.uuid)
        self.assertEqual(
            'the app was deleted during the build stage; removing its '
            'images failed: image is in use by a container',
            self.mgr.conductor.reports[0][2])

    def test_an_app_still_there_is_deployed(self):
        wf = self.workflow(status=states.BUILDING,
                           actions=('build', 'deploy'))
        self.mgr.build(None, wf.uuid)
        self.assertEqual(states.BUILT, self.mgr.conductor.reports[0][1])
        self.assertNotIn('delete', [c[1] for c in self.store_calls])
