import os

import fixtures

from solum.builder import cgroups
from solum.tests import base

PROC_V1 = ('9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n'
           '2:cpuacct:/\n1:cpu:/\n0::/\n')
PROC_CPU_COMOUNT = '4:memory:/a\n3:cpu,cpuacct:/b\n2:pids:/c\n'
PROC_V2 = '0::/user.slice/builder.service\n'


class FakeCgroupfs(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.root = os.path.join(self.tmp, 'cgroup')
        self.proc = os.path.join(self.tmp, 'proc-cgroup')

    def touch(self, path, text=''):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)

    def read(self, path):
        with open(path) as f:
            return f.read()

    def v1(self, proc=PROC_V1):
        self.touch(self.proc, proc)
        for ctl in ('memory', 'cpu', 'pids'):
            os.makedirs(os.path.join(self.root, ctl), exist_ok=True)
        os.makedirs(os.path.join(self.root, 'memory/process_api/abc'))

    def v2(self, controllers='cpuset cpu io memory pids'):
        self.touch(self.proc, PROC_V2)
        parent = os.path.join(self.root, 'user.slice/builder.service')
        self.touch(os.path.join(self.root, 'cgroup.controllers'),
                   controllers)
        self.touch(os.path.join(parent, 'cgroup.controllers'), controllers)
        self.touch(os.path.join(parent, 'cgroup.subtree_control'), '')
        return parent

    def group(self, **kw):
        args = dict(memory='128m', cpu_shares=512, cpus=1.5, pids=64,
                    root=self.root, proc_cgroup=self.proc)
        args.update(kw)
        return cgroups.BuildCgroup('b1', **args)


class TestParsing(FakeCgroupfs):

    def test_parse_size(self):
        self.assertEqual(128 * 1024 ** 2, cgroups.parse_size('128m'))
        self.assertEqual(2 * 1024 ** 3, cgroups.parse_size('2g'))
        self.assertEqual(2 * 1024 ** 3, cgroups.parse_size('2GB'))
        self.assertEqual(4096, cgroups.parse_size('4096'))
        self.assertRaises(ValueError, cgroups.parse_size, 'lots')

    def test_own_paths(self):
        self.touch(self.proc, PROC_V1)
        paths = cgroups.own_paths(self.proc)
        self.assertEqual('/process_api/abc', paths['memory'])
        self.assertEqual('/', paths['pids'])
        self.assertEqual('/', paths[''])
        self.touch(self.proc, PROC_CPU_COMOUNT)
        paths = cgroups.own_paths(self.proc)
        self.assertEqual('/b', paths['cpu'])
        self.assertEqual('/b', paths['cpuacct'])

    def test_version(self):
        self.assertIsNone(cgroups.version(self.root))
        self.v1()
        self.assertEqual(1, cgroups.version(self.root))

    def test_version_2(self):
        self.v2()
        self.assertEqual(2, cgroups.version(self.root))

    def test_not_mounted(self):
        self.touch(self.proc, PROC_V1)
        e = self.assertRaises(cgroups.CgroupError, self.group)
        self.assertIn('no cgroup filesystem', str(e))
        ok, why = cgroups.available(self.root, self.proc)
        self.assertFalse(ok)
        self.assertIn('no cgroup filesystem', why)


class TestV1(FakeCgroupfs):

    def setUp(self):
        super().setUp()
        self.v1()

    def test_paths_under_own_cgroup(self):
        g = self.group()
        self.assertEqual({
            'memory': os.path.join(self.root, 'memory/process_api/abc/b1'),
            'cpu': os.path.join(self.root, 'cpu/b1'),
            'pids': os.path.join(self.root, 'pids/b1')}, g.dirs)

    def test_limits_written(self):
        mem = os.path.join(self.root, 'memory/process_api/abc/b1')
        # The kernel creates these files; memsw only with swap accounting.
        os.makedirs(mem)
        self.touch(os.path.join(mem, 'memory.memsw.limit_in_bytes'))
        g = self.group()
        g._mkdir = lambda path: (os.makedirs(path, exist_ok=True),
                                 g.created.append(path))
        g.create()
        self.assertEqual(str(128 * 1024 ** 2), self.read(
            os.path.join(mem, 'memory.limit_in_bytes')))
        self.assertEqual(str(128 * 1024 ** 2), self.read(
            os.path.join(mem, 'memory.memsw.limit_in_bytes')))
        cpu = os.path.join(self.root, 'cpu/b1')
        self.assertEqual('512', self.read(os.path.join(cpu, 'cpu.shares')))
        self.assertEqual('150000', self.read(
            os.path.join(cpu, 'cpu.cfs_quota_us')))
        self.assertEqual('100000', self.read(
            os.path.join(cpu, 'cpu.cfs_period_us')))
        self.assertEqual('64', self.read(
            os.path.join(self.root, 'pids/b1/pids.max')))
        self.assertEqual(sorted(g.procs_files()), sorted(
            os.path.join(d, 'cgroup.procs') for d in g.dirs.values()))

    def test_missing_hierarchy(self):
        self.touch(self.proc, '4:memory:/a\n1:cpu:/\n')
        e = self.assertRaises(cgroups.CgroupError, self.group)
        self.assertEqual('no pids cgroup hierarchy', str(e))

    def test_cannot_create_is_a_cgroup_error_and_cleans_up(self):
        os.chmod(os.path.join(self.root, 'pids'), 0o500)
        self.addCleanup(os.chmod, os.path.join(self.root, 'pids'), 0o755)
        if os.access(os.path.join(self.root, 'pids'), os.W_OK):
            self.skipTest('root ignores directory permissions')
        g = self.group()
        self.assertRaises(cgroups.CgroupError, g.create)
        self.assertFalse(os.path.exists(g.dirs['memory']))

    def test_oom_reason_from_oom_control(self):
        g = self.group()
        mem = g.dirs['memory']
        self.touch(os.path.join(mem, 'memory.oom_control'),
                   'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n')
        self.touch(os.path.join(mem, 'memory.failcnt'), '12\n')
        self.assertIsNone(g.failure_reason())
        self.touch(os.path.join(mem, 'memory.oom_control'),
                   'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n')
        self.assertEqual('build ran out of memory (limit 128m)',
                         g.failure_reason())

    def test_oom_reason_from_failcnt_on_old_kernels(self):
        g = self.group()
        mem = g.dirs['memory']
        self.touch(os.path.join(mem, 'memory.oom_control'),
                   'oom_kill_disable 0\nunder_oom 0\n')
        self.touch(os.path.join(mem, 'memory.failcnt'), '0\n')
        self.assertIsNone(g.failure_reason())
        self.touch(os.path.join(mem, 'memory.failcnt'), '3\n')
        self.assertEqual('build ran out of memory (limit 128m)',
                         g.failure_reason())

    def test_pids_reason(self):
        g = self.group()
        self.touch(os.path.join(g.dirs['pids'], 'pids.events'), 'max 7\n')
        self.assertEqual('build hit the process limit (64 processes)',
                         g.failure_reason())


class TestV2(FakeCgroupfs):

    def test_limits_written(self):
        parent = self.v2()
        g = self.group()
        path = os.path.join(parent, 'b1')
        self.assertEqual({'': path}, g.dirs)
        self.touch(os.path.join(path, 'memory.swap.max'), 'max')
        g._mkdir = lambda p: (os.makedirs(p, exist_ok=True),
                              g.created.append(p))
        g.create()
        self.assertEqual('+memory +cpu +pids', self.read(
            os.path.join(parent, 'cgroup.subtree_control')))
        self.assertEqual(str(128 * 1024 ** 2),
                         self.read(os.path.join(path, 'memory.max')))
        self.assertEqual('0', self.read(os.path.join(path,
                                                     'memory.swap.max')))
        self.assertEqual('150000 100000',
                         self.read(os.path.join(path, 'cpu.max')))
        self.assertEqual('20', self.read(os.path.join(path, 'cpu.weight')))
        self.assertEqual('64', self.read(os.path.join(path, 'pids.max')))

    def test_controller_missing(self):
        self.v2(controllers='cpu io')
        e = self.assertRaises(cgroups.CgroupError, self.group().create)
        self.assertIn('controllers memory pids not available', str(e))

    def test_oom_reason_from_memory_events(self):
        parent = self.v2()
        g = self.group()
        events = os.path.join(parent, 'b1', 'memory.events')
        self.touch(events, 'low 0\nhigh 0\nmax 40\noom 1\noom_kill 0\n')
        self.assertIsNone(g.failure_reason())
        self.touch(events, 'low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\n')
        self.assertEqual('build ran out of memory (limit 128m)',
                         g.failure_reason())
