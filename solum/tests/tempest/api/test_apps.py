"""The v1 API of apps and what hangs off them, for each persona."""

import json

from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from solum.tests.tempest import base


class TestDiscovery(base.SolumBaseTest):

    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a01')
    def test_version_discovery_and_health_are_public(self):
        resp, text = self.member.unauthenticated('GET', '')
        self.assertEqual(200, resp.status)
        versions = json.loads(text)
        self.assertIn('v1', json.dumps(versions))
        resp, text = self.member.unauthenticated('GET', 'v1')
        self.assertEqual(200, resp.status)
        v1 = json.loads(text)
        # Links point back at the endpoint of the catalog.
        self.assertTrue(v1['links'][0]['href'].startswith(
            self.member.base_url.rstrip('/')), v1['links'])
        resp, _text = self.member.unauthenticated('GET', 'healthcheck')
        self.assertEqual(200, resp.status)
        resp, text = self.member.unauthenticated('GET', 'v1/apps')
        self.assertEqual(401, resp.status, text)


class TestApps(base.SolumBaseTest):

    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a02')
    def test_app_create_show_list_update_delete(self):
        app = self.create_app(description='first')
        self.assertEqual('first', app['description'])
        for ident in (app['id'], app['name']):
            _resp, shown = self.member.show_app(ident)
            self.assertEqual(app['id'], shown['id'])
        _resp, apps = self.member.list_apps()
        self.assertIn(app['id'], [a['id'] for a in apps])
        _resp, updated = self.member.update_app(app['id'],
                                                {'description': 'second'})
        self.assertEqual('second', updated['description'])
        # An app file in YAML is an app file too.
        name = base.rand_name()
        _resp, other = self.member.create_app(
            base.app_body(name), content_type='application/x-yaml')
        self.addCleanup(self.delete_app_and_wait, self.member, other['id'])
        self.assertEqual(name, other['name'])
        self.delete_app_and_wait(self.member, app['id'])
        self.assertRaises(lib_exc.NotFound, self.member.show_app, app['id'])

    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a03')
    def test_an_undeployed_app(self):
        """Workflows, releases, replicas and logs of an app that never
        ran; rollback and scale refuse with 409."""
        app = self.create_app()
        _resp, workflows = self.member.list_workflows(app['id'])
        self.assertEqual([], workflows)
        _resp, releases = self.member.list_releases(app['id'])
        self.assertEqual([], releases)
        _resp, replicas = self.member.replicas(app['id'])
        self.assertEqual([], replicas)
        self.member.app_logs(app['id'])
        self.assertRaises(lib_exc.Conflict, self.member.rollback, app['id'])
        self.assertRaises(lib_exc.Conflict, self.member.scale, app['id'], 2)
        self.assertRaises(lib_exc.NotFound, self.member.show_workflow,
                          app['id'], 99)

    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a04')
    def test_another_projects_app_is_not_found(self):
        app = self.create_app()
        for call, args in (
                (self.alt.show_app, ()),
                (self.alt.update_app, ({'description': 'x'},)),
                (self.alt.delete_app, ()),
                (self.alt.list_workflows, ()),
                (self.alt.create_workflow, (['build'],)),
                (self.alt.list_releases, ()),
                (self.alt.replicas, ()),
                (self.alt.scale, (2,)),
                (self.alt.rollback, ())):
            for ident in (app['id'], app['name']):
                self.assertRaises(lib_exc.NotFound, call, ident, *args)
        _resp, apps = self.alt.list_apps()
        self.assertNotIn(app['id'], [a['id'] for a in apps])
        # Still there for its owner.
        self.member.show_app(app['id'])

    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a05')
    def test_reader_reads_and_cannot_write(self):
        app = self.create_app()
        _resp, shown = self.reader.show_app(app['id'])
        self.assertEqual(app['id'], shown['id'])
        _resp, apps = self.reader.list_apps()
        self.assertIn(app['id'], [a['id'] for a in apps])
        self.reader.list_workflows(app['id'])
        self.reader.list_releases(app['id'])
        for call, args in (
                (self.reader.create_app, (base.app_body(base.rand_name()),)),
                (self.reader.update_app, (app['id'], {'description': 'x'})),
                (self.reader.delete_app, (app['id'],)),
                (self.reader.create_workflow, (app['id'], ['build'])),
                (self.reader.scale, (app['id'], 2)),
                (self.reader.rollback, (app['id'],)),
                (self.reader.create_language_pack, ({
                    'name': base.rand_name('lp'),
                    'source_uri': 'https://git.example.invalid/lp.git'},)),
                (self.reader.create_plan, ({'version': 1,
                                            'name': 'p'},))):
            self.assertRaises(lib_exc.Forbidden, call, *args)
        self.member.show_app(app['id'])

    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a06')
    def test_admin_reaches_an_app_by_id(self):
        app = self.create_app()
        _resp, shown = self.admin.show_app(app['id'])
        self.assertEqual(app['project_id'], shown['project_id'])
        self.admin.list_workflows(app['id'])

    @decorators.idempotent_id('101c29f6-9bbd-4b91-9317-c4613a9a66ba')
    def test_an_app_without_source_is_served_a_git_remote(self):
        app = self.create_app(source={'revision': 'main'})
        self.assertEqual(app['uri'] + '/git', app['git_url'])
        # Smart HTTP for the project's member (the token as for the API)
        resp, text = self.member.git_refs(app['id'], 'git-receive-pack')
        self.assertEqual('application/x-git-receive-pack-advertisement',
                         resp['content-type'])
        if isinstance(text, bytes):
            text = text.decode()
        self.assertTrue(text.startswith('001f# service=git-receive-pack'))
        # ... and a readers' fetch, but no one else's.
        self.reader.git_refs(app['id'], 'git-upload-pack')
        self.assertRaises(lib_exc.Forbidden, self.reader.git_refs,
                          app['id'], 'git-receive-pack')
        self.assertRaises(lib_exc.NotFound, self.alt.git_refs,
                          app['id'], 'git-upload-pack')
        # Nothing pushed yet: a build has nothing to start from.
        self.assertRaises(lib_exc.Conflict, self.member.create_workflow,
                          app['id'], ['build'])
        # A deploy token is shown once, never listed.
        _resp, token = self.member.create_deploy_token(app['id'], 'gate')
        self.assertEqual('deploy-token', token['username'])
        _resp, listed = self.member.list_deploy_tokens(app['id'])
        self.assertEqual([token['id']], [t['id'] for t in listed])
        self.assertNotIn(token['token'], str(listed))
        self.assertRaises(lib_exc.NotFound, self.alt.list_deploy_tokens,
                          app['id'])

    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a07')
    def test_bad_input_gets_the_documented_4xx(self):
        app = self.create_app()
        name = base.rand_name()
        bad = [
            base.app_body('Not A DNS Label'),
            base.app_body(name, unknown_field=1),
            base.app_body(name, ports=['http']),
            {'version': 1, 'name': name,
             'source': {'repository': 'https://git.example.invalid/a.git'}},
        ]
        for body in bad:
            self.assertRaises(lib_exc.BadRequest, self.member.create_app,
                              body)
        self.assertRaises(lib_exc.BadRequest, self.member.post_raw,
                          'v1/apps', b'{not json', 'application/json')
        # The name is taken.
        self.assertRaises(lib_exc.Conflict, self.member.create_app,
                          base.app_body(app['name']))
        self.assertRaises(lib_exc.BadRequest, self.member.create_workflow,
                          app['id'], ['launch-missiles'])
        self.assertRaises(lib_exc.BadRequest, self.member.scale,
                          app['id'], -1)
        self.assertRaises(lib_exc.NotFound, self.member.show_app,
                          base.rand_name('missing'))
        self.assertRaises(lib_exc.NotFound, self.member.create_workflow,
                          base.rand_name('missing'), ['build'])
        for status, body, content_type in (
                (415, b'<app/>', 'application/xml'),
                (413, b'{"name": "%s"}' % (b'x' * 2 ** 20),
                 'application/json')):
            try:
                resp, _text = self.member.post_raw('v1/apps', body,
                                                   content_type)
            except lib_exc.RestClientException as e:
                resp = e.resp
            self.assertEqual(status, resp.status)
