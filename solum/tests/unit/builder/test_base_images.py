"""Whether a base image is there: asked at every build."""

import contextlib

import fixtures

from solum.builder import base_images
from solum.common import images
from solum.tests import base


class TestPresentBaseImage(base.TestCase):

    def setUp(self):
        super().setUp()
        self.calls = []
        self.stored = {'localhost/solum/base-python:bookworm': 'b' * 64}
        self.broken = False
        self.useFixture(fixtures.MonkeyPatch(
            'solum.common.images.image_id', self._image_id))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.common.images.exists', self._exists))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.base_images._lock',
            lambda kind: contextlib.nullcontext()))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.base_images.os.geteuid', lambda: 0))

    def _image_id(self, ref):
        self.calls.append(('inspect', ref))
        if self.broken or ref not in self.stored:
            raise images.ImageError('podman image inspect exited 125')
        return self.stored[ref]

    def _exists(self, ref):
        self.calls.append(('exists', ref))
        if self.broken:
            raise images.ImageError('podman image exists exited 125')
        return ref in self.stored

    def test_a_present_image_costs_one_podman_call(self):
        lines = []
        self.assertEqual('b' * 64,
                         base_images.ensure_base_image('python',
                                                       log=lines.append))
        self.assertEqual([('inspect', 'localhost/solum/base-python:'
                           'bookworm')], self.calls)
        self.assertIn('skipping bootstrap', lines[0])

    def test_a_missing_image_is_none(self):
        self.assertIsNone(base_images.present_id('localhost/solum/x:1'))
        self.assertEqual(['inspect', 'exists'], [c[0] for c in self.calls])

    def test_a_broken_podman_is_an_error(self):
        self.broken = True
        self.assertRaises(base_images.BaseImageError,
                          base_images.present_id,
                          'localhost/solum/base-python:bookworm')
