"""Per-build cgroups: memory, CPU and pids limits for chroot builds.

buildah's chroot isolation creates no cgroup and ignores ``--memory`` and
``--cpu-shares``.  A ``BuildCgroup`` is created under the builder's own
cgroup in each hierarchy (so it works inside a container or a sandbox),
the build command is moved into it before it executes (``preexec_fn``, no
shell) so buildah and every ``RUN`` step inherit it, everything left in it
is killed when the build ends, and it is removed.  cgroup v1 (and hybrid)
and v2 (unified) are handled.  Without a usable cgroupfs (not root, not
mounted) ``available()`` says why and builds run without it.
"""

import os
import re
import time
import uuid

from oslo_log import log as logging

from solum.builder import process

LOG = logging.getLogger(__name__)

ROOT = '/sys/fs/cgroup'
PROC_SELF_CGROUP = '/proc/self/cgroup'
V1_CONTROLLERS = ('memory', 'cpu', 'pids')
CFS_PERIOD = 100000

_UNITS = {'': 1, 'b': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3,
          't': 1024 ** 4}


class CgroupError(Exception):
    """cgroups cannot be used; the message says why."""


def parse_size(text):
    """``'128m'`` -> 134217728 (podman/buildah units, powers of 1024)."""
    m = re.match(r'^\s*(\d+)\s*([bkmgt]?)b?\s*$', str(text).lower())
    if not m:
        raise ValueError('%r is not a size (for example 512m or 2g)' % text)
    return int(m.group(1)) * _UNITS[m.group(2)]


def version(root=ROOT):
    """2 when ``root`` is a unified (v2) hierarchy, 1 when it holds v1
    controller directories, None when no cgroupfs is mounted there."""
    if os.path.exists(os.path.join(root, 'cgroup.controllers')):
        return 2
    if os.path.isdir(os.path.join(root, 'memory')):
        return 1
    return None


def own_paths(proc_cgroup=PROC_SELF_CGROUP):
    """The caller's cgroup in each hierarchy: ``{controller: path}``, and
    ``''`` for the unified (v2) hierarchy."""
    paths = {}
    with open(proc_cgroup) as f:
        for line in f:
            parts = line.rstrip('\n').split(':', 2)
            if len(parts) != 3:
                continue
            _hid, controllers, path = parts
            if not controllers:
                paths[''] = path
            for name in controllers.split(','):
                if name:
                    paths[name] = path
    return paths


def _write(path, value):
    with open(path, 'w') as f:
        f.write(str(value))


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ''


class BuildCgroup:
    """One build's cgroup, in every hierarchy that limits it."""

    def __init__(self, name, memory=None, cpu_shares=None, cpus=None,
                 pids=None, root=ROOT, proc_cgroup=PROC_SELF_CGROUP):
        self.name = name
        self.memory_text = memory
        self.memory = parse_size(memory) if memory else None
        self.cpu_shares = cpu_shares
        self.cpus = float(cpus) if cpus else None
        self.pids = pids
        self.root = root
        self.version = version(root)
        if self.version is None:
            raise CgroupError('no cgroup filesystem at %s' % root)
        own = own_paths(proc_cgroup)
        # Directories of this build: {controller or '': path}.
        self.dirs = {}
        if self.version == 2:
            self.dirs[''] = os.path.join(root, own.get('', '/').lstrip('/'),
                                         name)
        else:
            for ctl in V1_CONTROLLERS:
                if ctl not in own:
                    raise CgroupError('no %s cgroup hierarchy' % ctl)
                self.dirs[ctl] = os.path.join(root, ctl,
                                              own[ctl].lstrip('/'), name)
        self.created = []

    @classmethod
    def for_build(cls, conf, prefix='solum-build'):
        return cls('%s-%s' % (prefix, uuid.uuid4().hex[:12]),
                   memory=conf.build_memory,
                   cpu_shares=conf.build_cpu_shares,
                   cpus=conf.build_cpus or None,
                   pids=conf.build_pids_limit)

    # Creation and limits.

    def create(self):
        try:
            if self.version == 2:
                self._create_v2()
            else:
                self._create_v1()
        except OSError as e:
            self.remove()
            raise CgroupError('cannot set up a cgroup at %s: %s' % (
                e.filename or self.name, e.strerror or e))
        return self

    def _mkdir(self, path):
        os.mkdir(path, 0o755)
        self.created.append(path)

    def _create_v1(self):
        for path in self.dirs.values():
            self._mkdir(path)
        mem = self.dirs['memory']
        if self.memory:
            _write(os.path.join(mem, 'memory.limit_in_bytes'), self.memory)
            memsw = os.path.join(mem, 'memory.memsw.limit_in_bytes')
            if os.path.exists(memsw):
                # No swap beyond the memory limit.
                _write(memsw, self.memory)
            swappiness = os.path.join(mem, 'memory.swappiness')
            if os.path.exists(swappiness):
                try:
                    _write(swappiness, 0)
                except OSError:
                    pass
        cpu = self.dirs['cpu']
        if self.cpu_shares:
            _write(os.path.join(cpu, 'cpu.shares'), self.cpu_shares)
        if self.cpus:
            _write(os.path.join(cpu, 'cpu.cfs_period_us'), CFS_PERIOD)
            _write(os.path.join(cpu, 'cpu.cfs_quota_us'),
                   int(self.cpus * CFS_PERIOD))
        if self.pids:
            _write(os.path.join(self.dirs['pids'], 'pids.max'), self.pids)

    def _create_v2(self):
        path = self.dirs['']
        parent = os.path.dirname(path)
        available = _read(os.path.join(parent,
                                       'cgroup.controllers')).split()
        missing = [c for c in V1_CONTROLLERS if c not in available]
        if missing:
            raise CgroupError('controllers %s not available in %s' % (
                ' '.join(missing), parent))
        enabled = _read(os.path.join(parent, 'cgroup.subtree_control'))
        want = [c for c in V1_CONTROLLERS if c not in enabled.split()]
        if want:
            # Fails (EBUSY) when the parent itself holds processes: the
            # "no internal processes" rule of cgroup v2.
            _write(os.path.join(parent, 'cgroup.subtree_control'),
                   ' '.join('+' + c for c in want))
        self._mkdir(path)
        if self.memory:
            _write(os.path.join(path, 'memory.max'), self.memory)
            swap = os.path.join(path, 'memory.swap.max')
            if os.path.exists(swap):
                _write(swap, 0)
        if self.cpu_shares:
            # cpu.shares 2..262144 (1024 = default) to cpu.weight 1..10000.
            weight = 1 + ((self.cpu_shares - 2) * 9999) // 262142
            _write(os.path.join(path, 'cpu.weight'), max(1, weight))
        if self.cpus:
            _write(os.path.join(path, 'cpu.max'), '%d %d' % (
                int(self.cpus * CFS_PERIOD), CFS_PERIOD))
        if self.pids:
            _write(os.path.join(path, 'pids.max'), self.pids)

    # Joining (in the child, before exec).

    def procs_files(self):
        return [os.path.join(p, 'cgroup.procs') for p in self.dirs.values()]

    def preexec_fn(self):
        """A ``subprocess`` preexec_fn moving the child into this cgroup
        (os calls only: it runs between fork and exec)."""
        files = self.procs_files()

        def _join():
            pid = str(os.getpid()).encode()
            for path in files:
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, pid)
                finally:
                    os.close(fd)
        return _join

    # After the build.

    def pids_left(self):
        pids = set()
        for path in self.procs_files():
            for line in _read(path).split():
                if line.isdigit():
                    pids.add(int(line))
        return pids

    def kill(self, timeout=10):
        """SIGKILL everything left in the group, until it is empty."""
        if not self.created:
            return
        kill_file = os.path.join(self.dirs.get('', ''), 'cgroup.kill')
        if self.version == 2 and os.path.exists(kill_file):
            try:
                _write(kill_file, 1)
            except OSError:
                pass
        survivors = process.kill_until_gone(self.pids_left, timeout,
                                            interval=0.05)
        if survivors:
            LOG.warning('cgroup %s: processes %s survive SIGKILL',
                        self.name, survivors)

    def oom_killed(self):
        """Whether the kernel OOM-killed a process of this group."""
        if self.version == 2:
            text = _read(os.path.join(self.dirs[''], 'memory.events'))
            for key in ('oom_kill', 'oom_group_kill'):
                m = re.search(r'^%s (\d+)$' % key, text, re.M)
                if m and int(m.group(1)) > 0:
                    return True
            return False
        mem = self.dirs['memory']
        text = _read(os.path.join(mem, 'memory.oom_control'))
        m = re.search(r'^oom_kill (\d+)$', text, re.M)
        if m:
            return int(m.group(1)) > 0
        # Kernels before 4.13 do not count kills: the limit was hit.
        for name in ('memory.memsw.failcnt', 'memory.failcnt'):
            count = _read(os.path.join(mem, name)).strip()
            if count.isdigit() and int(count) > 0:
                return True
        return False

    def pids_exhausted(self):
        """Whether a fork failed on pids.max."""
        path = self.dirs.get('') if self.version == 2 else \
            self.dirs.get('pids')
        text = _read(os.path.join(path, 'pids.events'))
        m = re.search(r'^max (\d+)$', text, re.M)
        return bool(m and int(m.group(1)) > 0)

    def failure_reason(self):
        """One line naming a limit the build hit, or None."""
        if self.memory and self.oom_killed():
            return 'build ran out of memory (limit %s)' % self.memory_text
        if self.pids and self.pids_exhausted():
            return 'build hit the process limit (%d processes)' % self.pids
        return None

    def remove(self):
        for path in reversed(self.created):
            for _ in range(50):
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    # Busy while the last killed processes exit.
                    time.sleep(0.1)
            else:
                LOG.warning('cannot remove cgroup %s', path)
        self.created = []


_availability = {}


def available(root=ROOT, proc_cgroup=PROC_SELF_CGROUP):
    """``(True, None)`` when builds can get a cgroup, else ``(False,
    why)``; tried once (a test group is created and removed), and the
    reason logged once."""
    key = (root, proc_cgroup)
    if key not in _availability:
        try:
            probe = BuildCgroup('solum-probe-%s' % uuid.uuid4().hex[:8],
                                memory='64m', pids=16, root=root,
                                proc_cgroup=proc_cgroup)
            probe.create()
            probe.remove()
            _availability[key] = (True, None)
        except (CgroupError, OSError, ValueError) as e:
            why = str(e)
            if os.geteuid() != 0:
                why = 'not running as root (%s)' % why
            _availability[key] = (False, why)
            LOG.warning('builds run without cgroup limits: %s', why)
    return _availability[key]
