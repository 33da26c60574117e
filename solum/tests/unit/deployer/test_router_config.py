"""The router's configuration model and rendering (router_config.py)."""

from solum.deployer.local import router_config
from solum.tests import base
from solum.tests.unit.deployer import local_fakes as fakes

_backend = fakes.router_backend


class TestRender(base.TestCase):

    def test_routes_by_host_and_path(self):
        text = router_config.render({'app_1': _backend()}, '127.0.0.1', 8088,
                             '/run/x/admin.sock')
        self.assertIn('    bind 127.0.0.1:8088\n', text)
        self.assertIn('stats socket /run/x/admin.sock mode 600 level admin '
                      'expose-fd listeners', text)
        self.assertIn('acl host_app_1 req.hdr(host),field(1,:),lower -m str '
                      'web.proj.apps.localhost', text)
        self.assertIn('acl path_app_1 path_beg /apps/proj/web/', text)
        self.assertIn('use_backend app_1 if path_app_1', text)
        self.assertIn('http-request redirect code 301 location '
                      '/apps/proj/web/ if bare_app_1', text)
        # The prefix is stripped before the app sees the path.
        self.assertIn('http-request replace-path ^/apps/proj/web/(.*)$ /\\1 '
                      'if { path_beg /apps/proj/web/ }', text)
        self.assertIn('http-check send meth GET uri /healthz ver HTTP/1.1 '
                      'hdr Host web.proj.apps.localhost', text)
        self.assertIn('default_backend no_app', text)

    def test_servers_keep_their_slots_across_reloads(self):
        self.conf.config(router_slots=4, group='deployer')
        text = router_config.render({'app_1': _backend(servers={
            'r1': {'port': 4001, 'state': 'ready', 'slot': 1},
            'r3': {'port': 4003, 'state': 'drain', 'slot': 3}})},
            '127.0.0.1', 8088, '/s')
        self.assertIn('    server s1 127.0.0.1:4001 check\n'
                      '    server s2 127.0.0.1:1 check disabled\n'
                      '    server s3 127.0.0.1:4003 check weight 0\n'
                      '    server s4 127.0.0.1:1 check disabled\n', text)

    def test_a_server_in_its_network_namespace(self):
        text = router_config.render({'app_1': _backend(servers={
            'r1': {'port': 4001, 'state': 'ready', 'slot': 1,
                   'netns': 'netns-abc', 'target_port': 8080},
            'r2': {'port': 4002, 'state': 'drain', 'slot': 2,
                   'netns': 'netns-def', 'target_port': 8080}})},
            '127.0.0.1', 8088, '/s')
        self.assertIn('    server s1 127.0.0.1:8080 namespace netns-abc '
                      'check\n'
                      '    server s2 127.0.0.1:8080 namespace netns-def '
                      'check weight 0\n', text)

    def test_no_backends_still_answers(self):
        text = router_config.render({}, '127.0.0.1', 8088, '/s')
        self.assertIn('backend no_app', text)
        self.assertNotIn('use_backend', text)

    def test_unsafe_names_are_refused(self):
        self.assertRaises(ValueError, router_config.Backend, 'a b', 'h', '/p')
        self.assertRaises(ValueError, router_config.Backend, 'a', 'h\nx', '/p')
        self.assertRaises(ValueError, router_config.Backend, 'a', 'h', '/p p')
        self.assertRaises(ValueError, router_config.Backend, 'a', 'h', '/p',
                          '/x\n')
