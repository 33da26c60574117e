"""The load of an app under the local driver, for the autoscaler:
requests/s through the router and CPU use of its replicas, as deltas
between two samples kept here."""

import time

from solum import conf
from solum.deployer.local import replicas as replicas_mod

CONF = conf.CONF


class LoadSampler:
    """Samples each app's load through ``replicas`` (a replicas.Replicas)
    and its podman and router."""

    def __init__(self, replicas):
        self.replicas = replicas
        self.podman = replicas.podman
        self.router = replicas.router
        self._samples = {}

    def metrics(self, app):
        """Load of an app since the previous call: total requests/s through
        the router and mean CPU use of its replicas in % of their limit
        (None until there are two samples)."""
        now = time.monotonic()
        running = [r for r in self.replicas.find(app)
                   if r.state == 'running']
        row = self.router.backend_stats(replicas_mod.backend_name(app))
        requests = int(row['req_tot']) if row.get('req_tot') else None
        cpu_times = self.podman.cpu_times([r.name for r in running])
        result = {'replicas': len(running), 'rps': None, 'cpu': None}
        previous = self._samples.get(app.uuid)
        if previous and now > previous['time']:
            elapsed = now - previous['time']
            if requests is not None and previous['requests'] is not None \
                    and requests >= previous['requests']:
                result['rps'] = (requests - previous['requests']) / elapsed
            common = [n for n in cpu_times if n in previous['cpu']]
            if common:
                used = sum(cpu_times[n] - previous['cpu'][n]
                           for n in common)
                result['cpu'] = 100.0 * used / elapsed / len(common) / \
                    CONF.deployer.cpus
        self._samples[app.uuid] = {'time': now, 'requests': requests,
                                   'cpu': cpu_times}
        return result

    def forget(self, app):
        """Drop the app's samples (undeployed)."""
        self._samples.pop(app.uuid, None)
