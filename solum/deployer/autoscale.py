"""Autoscaling policy of an app (``parameters.autoscale``): how many
replicas its load asks for.

    autoscale:
      min: 1              # never fewer
      max: 5              # never more (nor more than the quota)
      target_rps: 50      # requests/s one replica should serve
      target_cpu: 60      # or: % of its CPU limit one replica should use
      cooldown: 60        # seconds between two changes

Requests per second come from the router's statistics, CPU from the
replicas' cgroup CPU time (both as deltas between two checks).
"""

import math

DEFAULT_COOLDOWN = 60


def desired_replicas(policy, current, metrics, quota=-1):
    """Replicas wanted by ``policy`` given ``metrics`` ({'rps': total
    requests/s or None, 'cpu': mean % of a replica's CPU limit or None})."""
    low = max(int(policy.get('min') or 1), 1)
    high = max(int(policy.get('max') or low), low)
    if quota is not None and quota >= 0:
        high = min(high, quota)
        low = min(low, high)
    wants = []
    rps, cpu = metrics.get('rps'), metrics.get('cpu')
    if policy.get('target_rps') and rps is not None:
        wants.append(math.ceil(rps / float(policy['target_rps'])))
    if policy.get('target_cpu') and cpu is not None and current:
        wants.append(math.ceil(current * cpu / float(policy['target_cpu'])))
    want = max(wants) if wants else current
    return max(low, min(high, want))


def cooldown(policy):
    return int(policy.get('cooldown', DEFAULT_COOLDOWN))
