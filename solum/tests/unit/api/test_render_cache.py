import collections

import orjson
import testtools

from solum.api import render_cache
from solum.tests.unit.api import base

Row = collections.namedtuple('Row', 'uuid revision name')


class TestRenderCache(testtools.TestCase):

    def test_lru_eviction(self):
        cache = render_cache.RenderCache(size=2)
        cache.put('a', b'1')
        cache.put('b', b'2')
        cache.get('a')
        cache.put('c', b'3')
        self.assertEqual(b'1', cache.get('a'))
        self.assertIsNone(cache.get('b'))

    def test_json_list_fetches_only_what_is_not_cached(self):
        cache = render_cache.RenderCache()
        fetched = []

        def fetch(uuids):
            fetched.append(sorted(uuids))
            return [Row(u, 1, 'name-' + u) for u in uuids]

        render = lambda row: {'id': row.uuid, 'name': row.name}  # noqa
        keys = [('b', 1), ('a', 1)]
        body = render_cache.json_list(keys, cache, fetch, render, 'x')
        self.assertEqual(['b', 'a'], [i['id'] for i in orjson.loads(body)])
        render_cache.json_list(keys, cache, fetch, render, 'x')
        self.assertEqual([['a', 'b']], fetched)
        # A new revision, or another scope, is a miss.
        render_cache.json_list([('a', 2)], cache, fetch, render, 'x')
        render_cache.json_list([('a', 1)], cache, fetch, render, 'y')
        self.assertEqual([['a', 'b'], ['a'], ['a']], fetched)


class TestListingIsNeverStale(base.APITestCase):

    def test_every_change_shows_in_the_list(self):
        app_id = self.create_app().json['id']
        self.assertEqual('CREATED', self.get('/v1/apps').json[0]['status'])
        self.patch_json('/v1/apps/%s' % app_id, {'description': 'new'})
        self.assertEqual('new', self.get('/v1/apps').json[0]['description'])
        wf = self.post_json('/v1/apps/%s/workflows' % app_id,
                            {'actions': ['build']}).json
        self.assertEqual('QUEUED', self.get('/v1/apps').json[0]['status'])
        self.wait_for_workflow(wf['id'])
        self.assertEqual(self.get('/v1/apps/%s' % app_id).json,
                         self.get('/v1/apps').json[0])
        self.assertEqual('ERROR', self.get('/v1/apps').json[0]['status'])
