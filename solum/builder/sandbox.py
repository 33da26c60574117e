"""The build sandbox: the network namespace (solum.builder.netns, with
the ``build_network_deny`` filter of solum.builder.netfilter) and the
cgroup (solum.builder.cgroups) one ``buildah bud`` runs in."""

import os
import shutil

from solum import conf
from solum.builder import cgroups
from solum.builder import netfilter
from solum.builder import netns

CONF = conf.CONF


class SandboxError(Exception):
    """The build's network or cgroup cannot be made; the message is the
    one-line reason."""


def build_network(log):
    """A started netns.BuildNetwork for one build, or None (the host's
    network: ``build_network = host``, or ``auto`` where a namespace
    cannot be set up, said in the service log and in the build's log)."""
    mode = CONF.builder.build_network
    if mode == 'host':
        return None
    ok, why = netns.available()
    if ok:
        deny, refused = denied_networks(mode, log)
        try:
            net = netns.BuildNetwork(sandbox=netns.sandbox(),
                                     deny=deny).start()
        except (netns.NetnsError, OSError) as e:
            ok, why = False, str(e)
    if not ok:
        if mode == 'private':
            raise SandboxError('cannot give the build a network of '
                                     'its own: %s' % why)
        log('building on the host network: %s' % why)
        return None
    log('build network: a namespace of its own (slirp4netns, outbound '
        'only: the host\'s loopback is not reachable%s; DNS %s)' % (
            ', nor %s' % refused if refused else '', netns.DNS))
    for name in netns.loopback_settings(os.environ,
                                        CONF.builder.passthrough_env):
        log('warning: %s points at the host\'s loopback, which the build '
            'cannot reach' % name)
    return net


def denied_networks(mode, log):
    """``[builder] build_network_deny`` as networks, and how the build
    log names them. Without nft (auto mode) the build goes on without
    them, and says so; an invalid entry fails every build."""
    entries = [e.strip() for e in CONF.builder.build_network_deny]
    try:
        deny = netfilter.networks(entries)
    except netfilter.FilterError as e:
        raise SandboxError(str(e))
    if deny and shutil.which('nft') is None:
        why = ('nft is not installed: [builder] build_network_deny (%s) '
               'cannot be applied' % ', '.join(entries))
        if mode == 'private':
            raise SandboxError('cannot give the build a network of '
                                     'its own: %s' % why)
        log('warning: %s' % why)
        return [], ''
    return deny, ', '.join("the host's other addresses"
                           if e == netfilter.HOST else e for e in entries)


def build_cgroup(log):
    """A created cgroup for one build, or None (cgroups off or not
    usable: said once in the service log and in each build's log)."""
    if not CONF.builder.build_cgroups:
        return None
    ok, why = cgroups.available()
    if not ok:
        log('building without cgroup limits: %s' % why)
        return None
    try:
        group = cgroups.BuildCgroup.for_build(CONF.builder).create()
    except (cgroups.CgroupError, ValueError) as e:
        log('building without cgroup limits: %s' % e)
        return None
    log('build cgroup %s: memory %s, cpu shares %d%s, pids %d' % (
        group.name, CONF.builder.build_memory,
        CONF.builder.build_cpu_shares,
        ', %g CPUs' % CONF.builder.build_cpus
        if CONF.builder.build_cpus else '', CONF.builder.build_pids_limit))
    return group
