from solumclient.v1 import base

FINISHED = {'DEPLOYMENT_COMPLETE', 'UNIT_TESTING_FAILED', 'ERROR',
            'ERROR_CODE_DEPLOYMENT', 'ERROR_STACK_CREATE_FAILED',
            'ERROR_STACK_DELETE_FAILED', 'DELETING'}


def is_finished(workflow):
    status = workflow['status']
    if status in FINISHED:
        return True
    actions = workflow.get('actions') or []
    if status == 'UNIT_TESTING_PASSED':
        return 'build' not in actions
    if status == 'BUILT':
        return 'deploy' not in actions
    return False


class WorkflowManager(base.Manager):
    """/v1/apps/{app}/workflows"""

    def _path(self, app, workflow=None):
        path = '/v1/apps/%s/workflows' % base.quote(app)
        if workflow is not None:
            path += '/%s' % base.quote(workflow)
        return path

    def create(self, app, actions, du_id=None, scale_target=None):
        body = {'actions': list(actions)}
        if du_id:
            body['du_id'] = du_id
        if scale_target is not None:
            body['scale_target'] = scale_target
        return self.http.post(self._path(app), json=body).json()

    def list(self, app):
        return self.http.get(self._path(app)).json()

    def get(self, app, workflow):
        """``workflow``: its number (wf_id) or uuid."""
        return self.http.get(self._path(app, workflow)).json()

    def logs(self, app, workflow, since=None):
        params = {'since': since} if since else None
        return self.http.get(self._path(app, workflow) + '/logs',
                             params=params).json()

    def follow_logs(self, app, workflow):
        """Yield log lines as they are written, until the workflow ends."""
        return self._follow(self._path(app, workflow) + '/logs')
