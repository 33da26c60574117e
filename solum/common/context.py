"""Request context shared by the API and the RPC services."""

from oslo_context import context


class RequestContext(context.RequestContext):
    """oslo.context with Solum's notion of "sees every project"."""

    def __init__(self, all_projects=False, **kwargs):
        super().__init__(**kwargs)
        self._all_projects = all_projects

    @property
    def all_projects(self):
        """May this context reach every project's resources? Given as a
        callable, it is asked once, when first needed."""
        if callable(self._all_projects):
            self._all_projects = bool(self._all_projects())
        return self._all_projects

    @all_projects.setter
    def all_projects(self, value):
        self._all_projects = value

    def to_dict(self):
        values = super().to_dict()
        values['all_projects'] = self.all_projects
        return values

    @classmethod
    def from_dict(cls, values, **kwargs):
        kwargs.setdefault('all_projects', values.get('all_projects', False))
        return super().from_dict(values, **kwargs)

    def to_policy_values(self):
        values = super().to_policy_values()
        values['project_id'] = self.project_id
        return values


def get_admin_context():
    return RequestContext(is_admin=True, roles=['admin'], all_projects=True,
                          overwrite=False)
