"""An app deleted while its build runs (real buildah, real container
storage): the app's deletion finds no image yet, so the image the build
then stores must be removed by the builder itself."""

import logging
import time
import uuid

import fixtures

from solum.db import api as db_api
from solum.tests.functional import test_builder as tb


class TestDeleteDuringBuild(tb.BuilderTestCase):

    def test_image_of_a_build_outliving_its_app_is_removed(self):
        repo, _sha = tb.make_repo(self.tmp, files={
            'Containerfile': tb.CONTAINERFILE.replace(
                'WORKDIR', 'RUN echo slow-step-%s && sleep 3\nWORKDIR' %
                uuid.uuid4().hex[:8])})
        builder_log = self.useFixture(fixtures.FakeLogger(
            name='solum.builder.manager', level=logging.INFO))
        app = self.create_app(name='doomed', repo=repo, languagepack='auto')
        path = '/v1/apps/%s/workflows' % app['id']
        wf = self.post_json(path, {'actions': ['build', 'deploy']}).json

        def lines():
            # Read from the database: the API forgets them with the app.
            return [x.message for x in db_api.get_log_lines(None, wf['id'])]
        self.wait_for(lambda: any(x.startswith('slow-step-')
                                  for x in lines()), 60, 'the slow step')
        self.delete_app(app)
        # Deleted while the build still ran: it is the builder's cleanup,
        # not the deletion, that has to find the image.
        self.assertFalse(any(x.startswith('built ') for x in lines()),
                         'the build ended before the app was deleted')
        # The build goes on, stores its image, then finds the app gone.
        self.wait_for(lambda: any(x.startswith('built ')
                                  for x in lines()), 120, 'the build')
        self.wait_for(lambda: not tb.app_image_ids(app['id']), 30,
            'the image of the deleted app to be removed')
        self.assertEqual([], db_api.list_apps(None, all_projects=True))
        self.assertIn('was deleted during the build stage',
                      builder_log.output)

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while not predicate():
            self.assertLess(time.monotonic(), deadline,
                            'timed out waiting for %s' % what)
            time.sleep(0.1)
