"""Console lines keep the time they were first read, so that a log read
``since`` a time has only the lines that came after."""

import types

from solum.deployer.heat import console
from solum.deployer.heat import driver as heat_driver
from solum.tests import base as test_base


def clock():
    """2026-01-01T00:00:00Z, then a second later at every call."""
    ticks = iter(range(60))
    return lambda: '2026-01-01T00:00:%02dZ' % next(ticks)


class TestConsoleTimes(test_base.TestCase):

    def setUp(self):
        super().setUp()
        self.times = console.ConsoleTimes(clock=clock())

    def test_lines_read_before_keep_their_time(self):
        first = self.times.timed('s1', ['a', 'b'])
        second = self.times.timed('s1', ['a', 'b', 'c'])
        self.assertEqual([('2026-01-01T00:00:00Z', 'a'),
                          ('2026-01-01T00:00:00Z', 'b')], first)
        self.assertEqual(first + [('2026-01-01T00:00:01Z', 'c')], second)

    def test_a_console_whose_start_was_cut_off(self):
        self.times.timed('s1', ['a', 'b', 'c'])
        self.assertEqual([('2026-01-01T00:00:00Z', 'b'),
                          ('2026-01-01T00:00:00Z', 'c'),
                          ('2026-01-01T00:00:01Z', 'd')],
                         self.times.timed('s1', ['b', 'c', 'd']))

    def test_servers_are_apart(self):
        self.times.timed('s1', ['a'])
        self.assertEqual([('2026-01-01T00:00:01Z', 'a')],
                         self.times.timed('s2', ['a']))


class TestLogsSince(test_base.TestCase):

    def test_since_keeps_only_what_came_after(self):
        text = {'s1': 'booting\n'}
        server = types.SimpleNamespace(
            name='member-1', get_console_output=lambda: text['s1'])
        nova = types.SimpleNamespace(servers=types.SimpleNamespace(
            get=lambda server_id: server))
        driver = heat_driver.HeatDriver()
        driver._console = console.ConsoleTimes(clock=clock())
        driver.servers = lambda app: (types.SimpleNamespace(nova=nova),
                                      object(), ['s1'])
        app = types.SimpleNamespace(uuid='u1')
        first = driver.logs(app)
        self.assertEqual([('member-1', '2026-01-01T00:00:00Z', 'booting')],
                         [(x['replica'], x['time'], x['line'])
                          for x in first])
        text['s1'] = 'booting\nserving on 8080\n'
        later = driver.logs(app, since=first[-1]['time'])
        self.assertEqual([('member-1', '2026-01-01T00:00:01Z',
                           'serving on 8080')],
                         [(x['replica'], x['time'], x['line'])
                          for x in later])
        self.assertEqual(['booting', 'serving on 8080'],
                         [x['line'] for x in driver.logs(app, tail=2)])
