"""The glance image store against the real Glance of tools/minicloud.

A solum-all with ``[builder] image_store = glance`` (and the fake deployer)
builds examples/python-hello from a git repository made here and streams
the image to Glance; the owner's glanceclient finds it with the right
formats, another project's does not, ``podman load`` takes the downloaded
bytes, and deleting the app deletes it.  In Keystone mode the upload goes
through the app's trust, so the image belongs to alice's project; in
noauth mode (no trust) through the service credentials of ``[glance]``.

Needs root, podman and buildah (as test_builder) and the minicloud's
Keystone and Glance (``tools/minicloud/minicloud.py up glance``, which the
harness runs); skips with the reason when either is missing.
"""

import os
import sqlite3
import subprocess
import time

import fixtures
import requests
import yaml
from glanceclient import exc as glance_exc

from solum.tests.functional import base
from solum.tests.functional import test_builder
from solum.tests.functional.harness import cloud as cloud_harness
from solum.tests.functional.harness import keystone

SAMPLE = 'python-hello'


def load_archive(archive, attempts=3):
    """``podman load`` of an archive. The container storage is shared
    with the tests running beside this one: a layer that load found there
    and reuses may be removed by another test's cleanup before load
    links to it ("layer not known"); a second load brings it along."""
    for _attempt in range(attempts):
        loaded = subprocess.run(['podman', 'load', '-i', archive],
                                capture_output=True, text=True, timeout=300)
        if loaded.returncode == 0 or 'layer not known' not in \
                loaded.stderr:
            break
    return loaded


class _GlanceStoreTest(base.FunctionalTestCase):
    rpc_transport = 'local'
    # Whose Glance the image lands in, and someone who must not see it.
    owner = other = None

    def setUp(self):
        reason = test_builder.missing_prerequisite()
        if reason:
            self.skipTest(reason)
        try:
            self.cloud = cloud_harness.ensure_cloud(('glance',))
        except (cloud_harness.CloudUnavailable,
                keystone.HarnessError) as e:
            self.skipTest('the minicloud Keystone and Glance cannot come '
                          'up here: %s' % e)
        super().setUp()
        self.useFixture(fixtures.Timeout(600, gentle=True))
        self.start_service('solum-all')
        self.glance = cloud_harness.glance(self.owner)

    def extra_config(self):
        return '[builder]\nimage_store = glance\n'

    def call(self, method, path, **kw):
        headers = {}
        if self.auth_strategy == 'keystone':
            headers['X-Auth-Token'] = keystone.get_token('alice')
        return requests.request(method, self.base_url + path,
                                headers=headers, timeout=30, **kw)

    def app_document(self, repo):
        with open(os.path.join(test_builder.EXAMPLES, SAMPLE,
                               'app.yaml')) as f:
            document = yaml.safe_load(f)
        document['source'] = {'repository': 'file://' + repo,
                              'revision': 'main'}
        return document

    def wait_for_workflow(self, app_id, wf_id, timeout=480):
        path = '/v1/apps/%s/workflows/%d' % (app_id, wf_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            wf = self.call('GET', path).json()
            if wf['status'] in ('BUILT', 'ERROR'):
                logs = self.call('GET', path + '/logs').json()
                self.addDetail('workflow-log', test_builder._text('\n'.join(
                    '[%s] %s' % (x['stage'], x['message']) for x in logs)))
                return wf, logs
            time.sleep(0.5)
        self.fail('workflow %d of app %s did not finish in %d s' % (
            wf_id, app_id, timeout))

    def glance_images_of(self, app_id):
        return list(self.glance.images.list(filters={'solum_app': app_id}))

    def remove_glance_images(self, app_id):
        for image in self.glance_images_of(app_id):
            self.glance.images.delete(image['id'])

    def owner_project_id(self):
        ks = self.cloud['keystone']
        return keystone._credentials(ks, self.owner)['project_id']

    def build_app(self):
        """Create the app and build it; returns (app, workflow, logs, sha)."""
        repo, sha = test_builder.make_repo(self.state_path, example=SAMPLE)
        created = self.call('POST', '/v1/apps',
                            json=self.app_document(repo))
        self.assertEqual(201, created.status_code, created.text)
        app = created.json()
        self.addCleanup(test_builder.remove_app_images, app['id'])
        self.addCleanup(self.remove_glance_images, app['id'])
        started = self.call('POST', '/v1/apps/%s/workflows' % app['id'],
                            json={'actions': ['build']})
        self.assertEqual(201, started.status_code, started.text)
        wf, logs = self.wait_for_workflow(app['id'], started.json()['wf_id'])
        self.assertEqual('BUILT', wf['status'], wf.get('reason'))
        return app, wf, logs, sha

    def delete_app(self, app):
        deleted = self.call('DELETE', '/v1/apps/%s' % app['id'])
        self.assertEqual(202, deleted.status_code, deleted.text)
        self.wait_until(
            lambda: self.call('GET', '/v1/apps/%s' % app['id']
                              ).status_code == 404,
            timeout=120, what='the app to be deleted')

    def build_upload_load_delete(self, session_note):
        app, wf, logs, sha = self.build_app()
        result = wf['result']
        self.assertEqual(('glance', sha), (result['store'], result['commit']))
        messages = '\n'.join(x['message'] for x in logs)
        self.assertIn('uploading to Glance ' + session_note, messages)

        # The image is the owner's: their own client sees it, with the
        # formats and the size the builder recorded.
        owner = self.owner_project_id()
        image = self.glance.images.get(result['glance_id'])
        self.assertEqual(
            ('docker', 'raw', 'active', 'private', owner),
            (image['container_format'], image['disk_format'],
             image['status'], image['visibility'], image['owner']))
        self.assertEqual(owner, result['glance_owner'])
        self.assertEqual(result['glance_size'], image['size'])
        self.assertEqual((app['id'], sha, result['build_id']), (
            image['solum_app'], image['solum_commit'],
            image['solum_build_id']))
        # Another project does not see it.
        self.assertRaises(glance_exc.HTTPNotFound,
                          cloud_harness.glance(self.other).images.get,
                          result['glance_id'])

        # The bytes in Glance are an image podman loads, labelled as built.
        archive = os.path.join(self.state_path, 'download.tar')
        with open(archive, 'wb') as f:
            for chunk in self.glance.images.data(result['glance_id']):
                f.write(chunk)
        self.assertEqual(image['size'], os.path.getsize(archive))
        subprocess.run(['podman', 'rmi', result['image']], check=True,
                       capture_output=True, timeout=120)
        loaded = load_archive(archive)
        self.assertEqual(0, loaded.returncode, loaded.stderr)
        self.assertIn(result['image'], loaded.stdout)
        labels = subprocess.run(
            ['podman', 'image', 'inspect', '--format',
             '{{json .Labels}}', result['image']], check=True,
            capture_output=True, text=True, timeout=60).stdout
        self.assertIn('"org.openstack.solum.app":"%s"' % app['id'], labels)
        self.assertIn('"org.openstack.solum.commit":"%s"' % sha, labels)

        # Deleting the app deletes its image from Glance (and locally).
        self.delete_app(app)
        self.assertRaises(glance_exc.HTTPNotFound, self.glance.images.get,
                          result['glance_id'])
        self.assertEqual([], self.glance_images_of(app['id']))
        self.assertEqual([], test_builder.app_image_ids(app['id']))


class TestGlanceStoreThroughTrust(_GlanceStoreTest):
    """Keystone mode: alice's app, uploaded and deleted through her trust;
    the image is in her project, bob's project does not see it.  No
    [glance] credentials are configured, so nothing else could reach
    Glance."""

    auth_strategy = 'keystone'
    owner, other = 'alice', 'bob'

    def extra_config(self):
        return (base.keystone_config(self.cloud['keystone']) +
                super().extra_config())

    def test_upload_through_the_trust_and_delete(self):
        self.build_upload_load_delete(
            "through the app's Keystone trust")

    def test_app_with_a_revoked_trust_can_be_deleted(self):
        ks = self.cloud['keystone']
        url = ks['auth_url'] + '/OS-TRUST/trusts'
        app, wf, _logs, _sha = self.build_app()
        # The API never shows it: read the app's trust from the database
        # (other tests may create trusts of alice's at the same time).
        with sqlite3.connect(self.db.url.split('sqlite:///', 1)[1]) as db:
            [(trust_id,)] = db.execute(
                'SELECT trust_id FROM apps WHERE uuid = ?', (app['id'],))
        # alice revokes the trust she gave Solum with the app.
        resp = requests.delete(url + '/' + trust_id, timeout=30, headers={
            'X-Auth-Token': keystone.get_token('alice')})
        self.assertEqual(204, resp.status_code, resp.text)
        # The app is still deleted (with no [glance] credentials here the
        # image is left, for alice to delete).
        self.delete_app(app)
        image = self.glance.images.get(wf['result']['glance_id'])
        self.assertEqual(app['id'], image['solum_app'])
        self.assertIn('the Keystone trust of app %s no longer works' %
                      app['id'], self.services['solum-all'].log_tail(200))


class TestGlanceStoreServiceCredentials(_GlanceStoreTest):
    """noauth mode: apps have no trust, so the store uses the [glance]
    keystoneauth1 options (Solum's service user here); the image is in
    the service project, alice's project does not see it."""

    owner, other = 'solum', 'alice'

    def extra_config(self):
        ks = self.cloud['keystone']
        service = ks['service_user']
        return super().extra_config() + (
            '[glance]\nauth_type = password\nauth_url = %s\n'
            'username = %s\npassword = %s\nproject_name = %s\n'
            'user_domain_id = default\nproject_domain_id = default\n' % (
                ks['auth_url'], service['name'], service['password'],
                service['project']))

    def test_upload_with_the_service_credentials_and_delete(self):
        self.build_upload_load_delete(
            'with the service credentials of [glance]')
