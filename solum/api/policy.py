"""oslo.policy enforcement for the API."""

import threading

from oslo_policy import policy

from solum import conf
from solum.api import policies
from solum.common import exception

CONF = conf.CONF
_ENFORCER = None
_LOCK = threading.Lock()


def get_enforcer():
    """The enforcer, also used by oslopolicy-* tools via entry points."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            _ENFORCER = policy.Enforcer(CONF)
            _ENFORCER.register_defaults(policies.list_rules())
    return _ENFORCER


def reset():
    global _ENFORCER
    _ENFORCER = None


def authorize(rule, context, target=None):
    """Raise Forbidden unless the context may do ``rule`` on ``target``."""
    target = target or {'project_id': context.project_id}
    if not get_enforcer().authorize(rule, target, context, do_raise=False):
        parts = rule.split(':')[1:]
        words = ' '.join(reversed(parts)).replace('_', ' ')
        raise exception.Forbidden(action='%s (policy %s)' % (words, rule))


def check(rule, context, target=None):
    target = target or {'project_id': context.project_id}
    return get_enforcer().authorize(rule, target, context, do_raise=False)
