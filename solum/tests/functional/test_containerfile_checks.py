"""An app's own Containerfile against the real builder and buildah 1.28:
what could reach beyond the build (bind mounts, CVE-2024-1753; ADD of a
URL; RUN --network=host) is refused before buildah runs, and the mounts
the builder does provide still build."""

import uuid

from solum.common import states
from solum.tests.functional import test_builder as tb


class TestContainerfileChecks(tb.BuilderTestCase):

    def build(self, extra):
        repo, _sha = tb.make_repo(self.tmp, files={
            'Containerfile': tb.CONTAINERFILE + extra})
        app = self.create_app(name='cf-%s' % uuid.uuid4().hex[:6],
                              repo=repo, languagepack='auto')
        wf, logs = self.run_workflow(app, actions=('build',))
        return app, wf, [x['message'] for x in logs]

    def test_escapes_are_refused_before_buildah_runs(self):
        for line, reason in (
                ('RUN --mount=type=bind,source=.,target=/h cat /h/x\n',
                 'Containerfile line 6: RUN --mount: bind mounts are not '
                 'allowed (with buildah 1.28 a bind mount can expose the '
                 'builder host, CVE-2024-1753)'),
                ('ADD http://169.254.169.254/latest/meta-data/ /tmp/m\n',
                 'Containerfile line 6: ADD http://169.254.169.254/latest/'
                 'meta-data/: ADD of a URL or a git repository is not '
                 'allowed (fetch it in a RUN step, or COPY it from the '
                 'repository)'),
                ('RUN --network=host true\n',
                 'Containerfile line 6: RUN --network=host is not allowed '
                 '(only default or none)')):
            app, wf, logs = self.build(line)
            self.assertEqual((states.ERROR, reason),
                             (wf['status'], wf['reason']))
            # buildah never started: no build step in the log, no image.
            self.assertFalse([x for x in logs if x.startswith('STEP ')],
                             logs)
            self.assertFalse([x for x in logs if x.startswith('$ ') and
                              ' buildah bud ' in x], logs)
            self.assertEqual([], tb.app_image_ids(app['id']))

    def test_mounts_the_builder_provides_still_build(self):
        app, wf, logs = self.build(
            'RUN --mount=type=tmpfs,target=/home/solum/scratch '
            '--mount=type=secret,id=solum-env,target=/run/solum/env,'
            'uid=1000,mode=0400 test -s /run/solum/env && '
            'touch /home/solum/scratch/x && echo mounts-%s-ok\n' %
            uuid.uuid4().hex[:8])
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        self.assertTrue([x for x in logs if x.startswith('mounts-') and
                         x.endswith('-ok')], logs)
        # What the refusals are checked against: a build that runs shows
        # its command and buildah's steps.
        self.assertTrue([x for x in logs if x.startswith('$ ') and
                         ' buildah bud ' in x], logs)
        self.assertTrue([x for x in logs if x.startswith('STEP ')], logs)
