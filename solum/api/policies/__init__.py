import itertools

from solum.api.policies import apps
from solum.api.policies import base
from solum.api.policies import extensions
from solum.api.policies import language_packs
from solum.api.policies import plans
from solum.api.policies import releases
from solum.api.policies import workflows


def list_rules():
    return list(itertools.chain(base.list_rules(), apps.list_rules(),
                                workflows.list_rules(),
                                language_packs.list_rules(),
                                plans.list_rules(),
                                releases.list_rules(),
                                extensions.list_rules()))
