"""A network namespace of its own for each build: outbound access only.

buildah's chroot isolation runs ``RUN`` steps in the network namespace of
the process that started buildah, so without this module a Containerfile
or a package install reaches everything listening on the builder host's
loopback (the broker, the databases, the Solum API, the router, published
ports of other projects' containers).

A ``BuildNetwork`` is a new network namespace held by a small process
(``unshare --net -- cat``, blocked reading a pipe only the builder holds),
given outbound connectivity by ``slirp4netns --configure
--disable-host-loopback``: a tap device with 10.0.2.100/24, the default
route through 10.0.2.2 and a DNS forwarder at 10.0.2.3, all served by a
user-mode TCP/IP stack that opens ordinary sockets in the host's
namespace and refuses any destination on the host's loopback.  buildah is
started in the namespace with ``nsenter --net=/proc/<holder>/ns/net --``.
No host firewall rule, sysctl, bridge or veth is created or changed.

Teardown (``stop``, also on failure and timeout): whatever process is
still in the namespace is killed, slirp4netns is told to exit through its
``--exit-fd`` pipe, the holder's pipe is closed, both are reaped; the
namespace goes with its last process.  Should the builder itself die, both
pipes close with it and both processes exit on their own.
"""

import ipaddress
import os
import select
import shutil
import subprocess
import tempfile
import time
import urllib.parse

from oslo_log import log as logging

from solum.builder import netfilter
from solum.builder import process

LOG = logging.getLogger(__name__)

# slirp4netns's addresses with its default --cidr 10.0.2.0/24.
DNS = '10.0.2.3'
TAP = 'tap0'
# As Podman's slirp4netns default: large frames, much less CPU per byte.
MTU = 65520
SANDBOX_FLAGS = ('--enable-sandbox', '--enable-seccomp')
# Seconds to wait for the namespace, for slirp4netns to configure it and
# for a process to exit when told to.
START_TIMEOUT = 10
STOP_TIMEOUT = 5

PROXY_VARIABLES = ('http_proxy', 'https_proxy', 'ftp_proxy', 'all_proxy',
                   'HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'ALL_PROXY')


class NetnsError(Exception):
    """A build network could not be set up; the message says why."""


def ns_id(pid='self'):
    """The identity (device, inode) of ``pid``'s network namespace."""
    st = os.stat('/proc/%s/ns/net' % pid)
    return (st.st_dev, st.st_ino)


def _pids():
    return [int(n) for n in os.listdir('/proc') if n.isdigit()]


def _exited_within(pid, timeout):
    """Wait until process ``pid`` (a child not yet reaped) exits, woken by
    its exit through a pidfd: True when it exited, False after
    ``timeout``, None when pidfds cannot be had (Popen.wait(timeout)
    polls instead, at intervals growing to 50 ms: slirp4netns, gone a
    few ms after its exit pipe closed, was reaped 16-64 ms later)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


def _reap(proc, timeout=None):
    """Wait for ``proc`` to exit; SIGKILL it after ``timeout``."""
    timeout = STOP_TIMEOUT if timeout is None else timeout
    if proc.poll() is None:
        exited = _exited_within(proc.pid, timeout)
        if exited is not None:
            # Exited: wait() reaps it at once; else it is killed below.
            timeout = STOP_TIMEOUT if exited else 0
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class BuildNetwork:
    """One build's network namespace (see the module's docstring).

    ``with BuildNetwork() as net: process.run(net.command(cmd))``
    """

    def __init__(self, sandbox=True, unshare='unshare', nsenter='nsenter',
                 slirp4netns='slirp4netns', deny=(), nft='nft'):
        self.sandbox = sandbox
        # Networks refused inside the namespace (solum.builder.netfilter),
        # loaded before slirp4netns gives it a way out.
        self.deny = list(deny)
        self.tools = {'unshare': unshare, 'nsenter': nsenter,
                      'slirp4netns': slirp4netns, 'nft': nft}
        self.holder = None
        self.slirp = None
        self.ns = None
        self._hold_w = None   # the holder's stdin: closed, it exits
        self._exit_w = None   # slirp4netns --exit-fd: closed, it exits
        self._output = None   # what the holder and slirp4netns print

    # Commands (argument lists, never a shell).

    def holder_command(self):
        return [self.tools['unshare'], '--net', '--', 'cat']

    def slirp_command(self, pid, ready_fd, exit_fd):
        cmd = [self.tools['slirp4netns'], '--configure',
               '--disable-host-loopback', '--mtu', str(MTU),
               '--ready-fd', str(ready_fd), '--exit-fd', str(exit_fd)]
        if not self.sandbox:
            return cmd + [str(pid), TAP]
        # The sandbox unmounts what it does not need in a mount namespace
        # of its own; started from the host's, whose /run/netns is a
        # shared mount, those unmounts propagate back and take the
        # network namespaces of running Podman containers with them
        # ("unknown FS magic on /run/netns/..."). A private mount
        # namespace keeps them in (unshare execs slirp4netns: same pid).
        return ([self.tools['unshare'], '--mount', '--propagation',
                 'private', '--'] + cmd + list(SANDBOX_FLAGS) +
                [str(pid), TAP])

    @property
    def path(self):
        return '/proc/%d/ns/net' % self.holder.pid

    def command(self, cmd):
        """``cmd`` run inside the namespace (nsenter execs it: same pid,
        same process group, same cgroup)."""
        return [self.tools['nsenter'], '--net=%s' % self.path,
                '--'] + list(cmd)

    # Start.

    def start(self):
        try:
            self._output = tempfile.TemporaryFile()
            self._start_holder()
            self._load_filter()
            self._start_slirp()
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _last_output(self):
        if self._output is None:
            return ''
        try:
            self._output.seek(0)
            lines = [x.strip() for x in self._output.read().decode(
                'utf-8', 'replace').splitlines()]
        except (OSError, ValueError):
            return ''
        lines = [x for x in lines if x and 'experimental' not in x]
        return lines[-1] if lines else ''

    def _failed(self, what):
        last = self._last_output()
        return NetnsError('%s%s' % (what, ': ' + last if last else ''))

    def _spawn(self, tool, cmd, **kwargs):
        try:
            return subprocess.Popen(cmd, start_new_session=True, **kwargs)
        except OSError as e:
            raise NetnsError('cannot run %s: %s' % (self.tools[tool],
                                                    e.strerror or e))

    def _start_holder(self):
        own = ns_id()
        read_end, self._hold_w = os.pipe()
        try:
            self.holder = self._spawn(
                'unshare', self.holder_command(), stdin=read_end,
                stdout=subprocess.DEVNULL, stderr=self._output)
        finally:
            os.close(read_end)
        # unshare(2) happens after exec: wait until the holder's namespace
        # is no longer ours.
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.holder.poll() is not None:
                raise self._failed('unshare --net exited %d' %
                                   self.holder.returncode)
            try:
                current = ns_id(self.holder.pid)
            except OSError:
                current = own
            if current != own:
                self.ns = current
                return
            if time.monotonic() > deadline:
                raise NetnsError('unshare --net made no namespace in %g s'
                                 % START_TIMEOUT)
            time.sleep(0.002)

    def _load_filter(self):
        try:
            netfilter.load(self.command, self.deny, nft=self.tools['nft'])
        except netfilter.FilterError as e:
            raise NetnsError('cannot refuse %s in the build network: %s' % (
                ', '.join(map(str, self.deny)), e))

    def _start_slirp(self):
        ready_r, ready_w = os.pipe()
        exit_r, self._exit_w = os.pipe()
        try:
            try:
                self.slirp = self._spawn(
                    'slirp4netns',
                    self.slirp_command(self.holder.pid, ready_w, exit_r),
                    pass_fds=(ready_w, exit_r), stdin=subprocess.DEVNULL,
                    stdout=self._output, stderr=subprocess.STDOUT)
            finally:
                os.close(ready_w)
                os.close(exit_r)
            # slirp4netns writes "1" once the tap device, address, route
            # and loopback are up; EOF when it exits first.
            readable = select.select([ready_r], [], [], START_TIMEOUT)[0]
            answer = os.read(ready_r, 1) if readable else None
        finally:
            os.close(ready_r)
        if answer != b'1':
            if answer is None:
                raise self._failed('slirp4netns did not configure the '
                                   'network in %g s' % START_TIMEOUT)
            try:
                rc = self.slirp.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                rc = None
            raise self._failed('slirp4netns exited %s' % rc)

    # Inspection and teardown.

    def processes(self):
        """Pids of the processes in this namespace (the holder too)."""
        if self.ns is None:
            return []
        found = []
        for pid in _pids():
            try:
                if ns_id(pid) == self.ns:
                    found.append(pid)
            except OSError:
                pass
        return found

    def kill_leftovers(self, timeout=None):
        """SIGKILL every process of the namespace but the holder (a
        daemon a RUN step left behind), until none is left."""
        holder = self.holder.pid if self.holder else None
        survivors = process.kill_until_gone(
            lambda: [p for p in self.processes() if p != holder],
            STOP_TIMEOUT if timeout is None else timeout)
        if survivors:
            LOG.warning('build network: processes %s survive SIGKILL',
                        survivors)

    def stop(self):
        """Tear everything down; safe to call more than once."""
        if self.ns is not None and self.holder is not None:
            self.kill_leftovers()
        if self._exit_w is not None:
            os.close(self._exit_w)
            self._exit_w = None
        if self.slirp is not None:
            _reap(self.slirp)
        if self._hold_w is not None:
            os.close(self._hold_w)
            self._hold_w = None
        if self.holder is not None:
            _reap(self.holder)
        if self._output is not None:
            self._output.close()
            self._output = None


_availability = {}


def available():
    """``(True, None)`` when builds can have a network of their own,
    else ``(False, why)``.  Probed once (a namespace is set up and torn
    down: a few ms); the reason is logged once."""
    if 'result' not in _availability:
        _availability['result'] = _probe()
        ok, why = _availability['result']
        if not ok:
            LOG.warning('builds run on the host network: %s', why)
    return _availability['result']


def sandbox():
    """Whether slirp4netns runs with --enable-sandbox --enable-seccomp
    (as the probe found it can)."""
    return _availability.get('sandbox', True)


def reset():
    _availability.clear()


def _probe():
    if os.geteuid() != 0:
        return False, 'not running as root (unshare --net needs it)'
    for tool in ('unshare', 'nsenter', 'slirp4netns'):
        if shutil.which(tool) is None:
            return False, '%s is not installed' % tool
    if not os.path.exists('/dev/net/tun'):
        return False, 'no /dev/net/tun (slirp4netns needs a tap device)'
    errors = []
    for with_sandbox in (True, False):
        try:
            BuildNetwork(sandbox=with_sandbox).start().stop()
        except NetnsError as e:
            errors.append(str(e))
            continue
        _availability['sandbox'] = with_sandbox
        if errors:
            LOG.warning('slirp4netns runs without --enable-sandbox '
                        '--enable-seccomp: %s', errors[0])
        return True, None
    return False, errors[-1]


def loopback_settings(env, names=()):
    """Names of proxy variables (and of ``names``) in ``env`` whose URL
    points at the host's loopback, which a build network cannot reach."""
    found = []
    for name in tuple(PROXY_VARIABLES) + tuple(names):
        value = env.get(name)
        if not value or name in found:
            continue
        for item in value.split():
            host = urllib.parse.urlsplit(
                item if '://' in item else '//' + item).hostname or ''
            if host == 'localhost' or host.endswith('.localhost'):
                found.append(name)
                break
            try:
                if ipaddress.ip_address(host).is_loopback:
                    found.append(name)
                    break
            except ValueError:
                pass
    return found
