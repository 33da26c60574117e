"""The shape every paste filter of the API pipeline shares."""


class Middleware:
    """Wraps the next application; paste builds it through factory()."""

    def __init__(self, application):
        self.application = application

    @classmethod
    def factory(cls, global_config, **local_config):
        return cls
