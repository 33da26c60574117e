import hashlib
import subprocess
import sys

import fixtures
from keystoneauth1 import exceptions as ks_exc

from solum.builder import image_stores
from solum.builder import stages
from solum.builder.image_stores import base as store_base
from solum.builder.image_stores import glance
from solum.builder.image_stores import local
from solum.builder.image_stores import registry
from solum.common import images
from solum.tests import base

IMAGE = stages.BuiltImage('localhost/solum/p/hello:wf1-abc', 'i' * 64,
                          'app-uuid', 'p', 'hello', 'abc', 'wf1-abc')
TRUSTED_IMAGE = stages.BuiltImage(IMAGE.ref, IMAGE.image_id, 'app-uuid',
                                  'p', 'hello', 'abc', 'wf1-abc',
                                  trust_id='trust-1')


class App:
    uuid = 'app-uuid'
    name = 'hello'
    project_id = 'p'
    trust_id = None


class FakeGlanceImages:
    def __init__(self):
        self.created = {}
        self.uploaded = {}
        self.deleted = []
        self.fail_upload = None

    def create(self, **kw):
        image = dict(kw, id='g-%d' % len(self.created), status='queued')
        self.created[image['id']] = image
        return image

    def upload(self, image_id, data, image_size=None):
        if self.fail_upload:
            data.read(4)
            raise self.fail_upload
        body = b''
        while True:
            chunk = data.read(65536)
            if not chunk:
                break
            body += chunk
        self.uploaded[image_id] = (body, image_size)
        self.created[image_id].update(
            status='active', size=len(body), os_hash_algo='sha512',
            os_hash_value=hashlib.sha512(body).hexdigest(), owner='p')

    def get(self, image_id):
        return self.created[image_id]

    def list(self, filters=None):
        return [i for i in self.created.values()
                if all(i.get(k) == v for k, v in (filters or {}).items())]

    def delete(self, image_id):
        self.deleted.append(image_id)
        del self.created[image_id]


class FakeGlance:
    def __init__(self):
        self.images = FakeGlanceImages()


class TestDrivers(base.TestCase):

    def test_entry_points(self):
        for name, cls in (('local', 'LocalImageStore'),
                          ('glance', 'GlanceImageStore'),
                          ('registry', 'RegistryImageStore')):
            self.assertEqual(cls, type(image_stores.get_store(name)).__name__)
        self.conf.config(image_store='glance', group='builder')
        self.assertEqual('glance', image_stores.get_store().name)


class TestLocalStore(base.TestCase):
    """The one owner of an app's local images: found by the label the
    builder gave them, never by name."""

    def setUp(self):
        super().setUp()
        self.local = {
            'localhost/solum/p/hello:wf1-abc': {images.LABEL_APP: App.uuid},
            # Built for the app, never released.
            'localhost/solum/p/hello:wf9-def': {images.LABEL_APP: App.uuid},
            # The same name, another (earlier) app's.
            'localhost/solum/p/hello:wf2-abc': {images.LABEL_APP: 'other'},
            'localhost/solum/p/unlabelled:1': {}}
        self.in_use = set()
        self.patch(images, 'refs_with_labels', self._with_labels)
        self.patch(images, 'ids_with_labels', self._with_labels)
        self.patch(images, 'remove', self._remove)

    def _with_labels(self, wanted):
        return sorted(ref for ref, have in self.local.items()
                      if all(have.get(k) == v for k, v in wanted.items()))

    def _remove(self, refs, log=None):
        removed = [r for r in refs if r not in self.in_use]
        for ref in removed:
            del self.local[ref]
        return removed

    def test_delete_removes_the_apps_labelled_images_only(self):
        removed = local.LocalImageStore().delete_app_images(None, App,
                                                            lambda x: None)
        self.assertEqual(['localhost/solum/p/hello:wf1-abc',
                          'localhost/solum/p/hello:wf9-def'], removed)
        self.assertEqual(['localhost/solum/p/hello:wf2-abc',
                          'localhost/solum/p/unlabelled:1'],
                         sorted(self.local))

    def test_an_image_still_in_use_is_an_error(self):
        self.in_use.add('localhost/solum/p/hello:wf9-def')
        e = self.assertRaises(store_base.StoreError,
                              local.LocalImageStore().delete_app_images,
                              None, App, lambda x: None)
        self.assertIn('still in use', str(e))


class TestGlanceStore(base.TestCase):

    def setUp(self):
        super().setUp()
        self.commands = []
        # podman save is replaced by a real process printing this (and
        # exiting with self.export_rc), so the pipe is real.
        self.archive = b'docker-archive-bytes' * 1000
        self.export_rc = 0
        real_popen = subprocess.Popen

        def popen(cmd, **kw):
            self.commands.append(cmd)
            script = ('import sys; sys.stdout.buffer.write(%r); '
                      'sys.stderr.write("podman says hi\\n"); '
                      'sys.exit(%d)' % (self.archive, self.export_rc))
            return real_popen([sys.executable, '-c', script], **kw)
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.image_stores.glance.subprocess.Popen', popen))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.common.images.digest', lambda ref: 'sha256:d'))
        self.glance = FakeGlance()
        self.trusts = []

        def factory(trust_id):
            self.trusts.append(trust_id)
            return self.glance
        self.store = glance.GlanceImageStore(factory)

    def test_store_streams_a_docker_archive(self):
        lines = []
        result = self.store.store(None, IMAGE, lines.append)
        self.assertEqual([['podman', 'save', '--format', 'docker-archive',
                           IMAGE.ref]], self.commands)
        [image] = self.glance.images.created.values()
        self.assertEqual(('docker', 'raw', 'private', 'app-uuid', 'wf1-abc'),
                         (image['container_format'], image['disk_format'],
                          image['visibility'], image['solum_app'],
                          image['solum_build_id']))
        # Streamed: no size announced, every byte arrived.
        self.assertEqual((self.archive, None),
                         self.glance.images.uploaded[image['id']])
        self.assertEqual(image['id'], result['glance_id'])
        self.assertEqual(len(self.archive), result['glance_size'])
        self.assertEqual('p', result['glance_owner'])
        self.assertEqual('glance', result['store'])
        self.assertEqual([None], self.trusts)
        self.assertIn('podman says hi', lines)
        self.assertIn('with the service credentials of [glance]',
                      '\n'.join(lines))

    def test_store_uses_the_apps_trust(self):
        lines = []
        self.store.store(None, TRUSTED_IMAGE, lines.append)
        self.assertEqual(['trust-1'], self.trusts)
        self.assertIn("through the app's Keystone trust", '\n'.join(lines))

    def test_failed_export_leaves_no_image(self):
        self.export_rc = 3
        e = self.assertRaises(store_base.StoreError, self.store.store, None,
                              IMAGE, lambda x: None)
        self.assertEqual('exporting %s failed: podman save exited 3: '
                         'podman says hi' % IMAGE.ref, str(e))
        self.assertEqual({}, self.glance.images.created)
        self.assertEqual(['g-0'], self.glance.images.deleted)

    def test_failed_upload_leaves_no_image(self):
        self.glance.images.fail_upload = RuntimeError('503 Service '
                                                      'Unavailable\nmore')
        e = self.assertRaises(store_base.StoreError, self.store.store, None,
                              IMAGE, lambda x: None)
        self.assertEqual('uploading %s to Glance failed: 503 Service '
                         'Unavailable' % IMAGE.ref, str(e))
        self.assertEqual(['g-0'], self.glance.images.deleted)

    def test_corrupt_upload_is_refused(self):
        upload = self.glance.images.upload

        def corrupting(image_id, data, image_size=None):
            upload(image_id, data, image_size)
            self.glance.images.created[image_id]['os_hash_value'] = 'x'
        self.glance.images.upload = corrupting
        e = self.assertRaises(store_base.StoreError, self.store.store, None,
                              IMAGE, lambda x: None)
        self.assertIn('is not that of the archive sent', str(e))
        self.assertEqual({}, self.glance.images.created)

    def test_delete_removes_the_apps_images_only(self):
        self.store.store(None, IMAGE, lambda x: None)
        self.glance.images.create(name='other', solum_app='other-app')
        deleted = self.store.delete_app_images(None, App(), lambda x: None)
        self.assertEqual(['g-0'], deleted)
        self.assertEqual(['other'], [i['name'] for i in
                                     self.glance.images.created.values()])
        self.assertEqual([None, None], self.trusts)

    def test_delete_through_the_apps_trust(self):
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.image_stores.glance.trust_usable', lambda t: True))
        app = App()
        app.trust_id = 'trust-1'
        self.store.delete_app_images(None, app, lambda x: None)
        self.assertEqual(['trust-1'], self.trusts)

    def test_delete_with_a_dead_trust(self):
        self.store.store(None, TRUSTED_IMAGE, lambda x: None)
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.image_stores.glance.trust_usable',
            lambda t: False))
        app = App()
        app.trust_id = 'trust-1'
        # Without [glance] credentials the images are left, and the app
        # can still be deleted.
        lines = []
        self.assertEqual([], self.store.delete_app_images(None, app,
                                                          lines.append))
        self.assertIn('no longer works and [glance] has no credentials',
                      lines[0])
        self.assertEqual(['g-0'], list(self.glance.images.created))
        # With them, those delete the images.
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.image_stores.glance._has_credentials',
            lambda: True))
        self.assertEqual(['g-0'], self.store.delete_app_images(
            None, app, lambda x: None))
        self.assertEqual(['trust-1', None], self.trusts)


class TestGlanceSession(base.TestCase):

    def test_trust_session_when_the_app_has_a_trust(self):
        sessions = []
        self.useFixture(fixtures.MonkeyPatch(
            'solum.common.keystone.trust_session',
            lambda trust_id: sessions.append(trust_id) or 'session'))
        self.assertEqual('session', glance._session('trust-1'))
        self.assertEqual(['trust-1'], sessions)

    def test_trust_usable(self):
        class Session:
            def __init__(self, error):
                self.error = error

            def get_token(self):
                if self.error:
                    raise self.error
                return 'token'
        for error, usable in ((None, True),
                              (ks_exc.Unauthorized(), False),
                              (ks_exc.NotFound(), False)):
            self.useFixture(fixtures.MonkeyPatch(
                'solum.common.keystone.trust_session',
                lambda trust_id, e=error: Session(e)))
            self.assertEqual(usable, glance.trust_usable('t'))

    def test_without_trust_or_credentials(self):
        e = self.assertRaises(store_base.StoreError, glance._session, None)
        self.assertIn('no Keystone trust and [glance] has no credentials',
                      str(e))


class TestRegistryStore(base.TestCase):

    def test_needs_a_registry(self):
        self.assertRaises(store_base.StoreError, registry.repository, 'p',
                          'a')
        self.conf.config(registry_url='https://r', group='builder')
        self.assertRaises(store_base.StoreError, registry.repository, 'p',
                          'a')

    def test_push_with_skopeo(self):
        self.conf.config(registry_url='registry.example:5000/solum',
                         group='builder')
        calls = []
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.process.run',
            lambda cmd, **kw: calls.append(cmd)))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.process.output', lambda cmd, **kw: 'sha256:f\n'))
        result = registry.RegistryImageStore().store(None, IMAGE,
                                                     lambda x: None)
        self.assertEqual(
            ['skopeo', 'copy', '--dest-tls-verify=true',
             'containers-storage:localhost/solum/p/hello:wf1-abc',
             'docker://registry.example:5000/solum/p/hello:wf1-abc'],
            calls[0])
        self.assertEqual('registry.example:5000/solum/p/hello@sha256:f',
                         result['image'])


