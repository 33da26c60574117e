"""Image names and the Podman image queries: argument lists, references
after ``--``, output parsed."""

import types

from solum.common import images
from solum.tests import base


class TestNames(base.TestCase):

    def test_image_ref(self):
        self.assertEqual('localhost/solum/abc/hello:wf1-0123',
                         images.image_ref('ABC', 'hello', 'wf1-0123'))
        self.assertEqual('localhost/solum/p/a--b:1',
                         images.image_ref('p', 'a--b', '1'))
        self.assertRaises(ValueError, images.image_ref, 'p', 'Bad/Name', 'x')
        self.assertRaises(ValueError, images.image_ref, 'p', 'a', '-x')

    def test_lp_image_ref(self):
        self.assertEqual('localhost/solum/lp/p/java17:latest',
                         images.lp_image_ref('P', 'java17', 'U'))
        self.assertEqual('localhost/solum/lp/p/u-1:latest',
                         images.lp_image_ref('p', 'a..b', 'U-1'))

    def test_base_image_ref(self):
        self.assertEqual('localhost/solum/base-python:bookworm',
                         images.base_image_ref('python'))

    def test_build_labels(self):
        app = types.SimpleNamespace(uuid='u1', name='web')
        self.assertEqual(
            {images.LABEL_APP: 'u1', images.LABEL_APP_NAME: 'web',
             images.LABEL_PROJECT: 'p', images.LABEL_COMMIT: 'c0ffee',
             images.LABEL_BUILD_ID: 'wf1-c0ffee',
             images.LABEL_PACK: 'python'},
            images.build_labels(app, 'p', 'c0ffee', 'wf1-c0ffee', 'python'))


class TestQueries(base.TestCase):

    def setUp(self):
        super().setUp()
        self.argvs = []
        self.outputs = []
        self.patch(images.subprocess, 'run', self._run)
        self.patch(images, 'podman_path', lambda: 'podman')
        self.patch(images.time, 'sleep', lambda s: None)

    def _run(self, argv, **kwargs):
        self.argvs.append(argv)
        rc, out, err = (self.outputs.pop(0) + ('',))[:3]
        return types.SimpleNamespace(returncode=rc, stdout=out, stderr=err)

    def test_labels(self):
        self.outputs = [(0, '{"org.openstack.solum.project":"p"}\n'),
                        (0, 'null\n'), (125, '')]
        self.assertEqual({'org.openstack.solum.project': 'p'},
                         images.labels('--rootfs=/'))
        self.assertEqual(['podman', 'image', 'inspect', '--format',
                          '{{json .Labels}}', '--', '--rootfs=/'],
                         self.argvs[0])
        self.assertEqual({}, images.labels('unlabelled'))
        self.assertIsNone(images.labels('missing'))

    def test_labels_and_digest_in_one_call(self):
        self.outputs = [(0, 'sha256:d|{"org.openstack.solum.app":"a"}\n'),
                        (0, '| null\n'), (125, '')]
        self.assertEqual(({'org.openstack.solum.app': 'a'}, 'sha256:d'),
                         images.labels_and_digest('-x'))
        self.assertEqual(['podman', 'image', 'inspect', '--format',
                          '{{.Digest}}|{{json .Labels}}', '--', '-x'],
                         self.argvs[0])
        self.assertEqual(({}, ''), images.labels_and_digest('unlabelled'))
        self.assertEqual((None, None), images.labels_and_digest('missing'))

    def test_exists(self):
        self.outputs = [(0, ''), (1, ''), (125, '', 'storage is broken')]
        self.assertTrue(images.exists('a'))
        self.assertFalse(images.exists('-b'))
        self.assertEqual(['podman', 'image', 'exists', '--', '-b'],
                         self.argvs[1])
        e = self.assertRaises(images.ImageError, images.exists, 'c')
        self.assertIn('storage is broken', str(e))

    def test_refs_by_label(self):
        self.outputs = [(0, '0123456789ab localhost/solum/p/web:1\n'
                            '0123456789ab localhost/solum/p/web:2\n'
                            'ba9876543210 <none>:<none>\n')]
        self.assertEqual(['ba9876543210', 'localhost/solum/p/web:1',
                          'localhost/solum/p/web:2'],
                         images.refs_with_labels({images.LABEL_APP: 'u1'}))
        self.assertEqual(['podman', 'images', '--noheading', '--format',
                          '{{.ID}} {{.Repository}}:{{.Tag}}', '--filter',
                          'label=org.openstack.solum.app=u1'],
                         self.argvs[0])

    def test_a_listing_retries_a_racing_removal(self):
        self.outputs = [(125, '', 'Error: reading image "x": image not '
                                  'known'), (0, 'b\na\nb\n')]
        self.assertEqual(['a', 'b'], images.ids_with_labels({'k': 'v'}))
        self.assertEqual(2, len(self.argvs))

    def test_other_listing_errors_are_raised(self):
        self.outputs = [(125, '', 'Error: database is locked')]
        self.assertRaises(images.ImageError, images.ids_with_labels,
                          {'k': 'v'})

    def test_remove_never_reads_a_flag(self):
        self.outputs = [(0, ''), (1, '', 'image is in use')]
        lines = []
        self.assertEqual(['a'], images.remove(['a', '-f'], lines.append))
        self.assertEqual(['podman', 'rmi', '--', '-f'], self.argvs[1])
        self.assertEqual(['removed image a',
                          'could not remove image -f: image is in use'],
                         lines)
