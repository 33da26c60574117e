"""Helpers for the commands: output columns, waiting, app files."""

import sys
import time

import yaml
from osc_lib import exceptions as osc_exc

from solumclient import exceptions
from solumclient.v1 import workflows

APP_COLUMNS = ('id', 'name', 'status', 'app_url', 'languagepack',
               'description', 'source', 'workflow_config', 'ports',
               'parameters', 'trigger_actions', 'project_id', 'created_at',
               'updated_at')
APP_LIST_COLUMNS = ('id', 'name', 'status', 'app_url')
WORKFLOW_COLUMNS = ('id', 'wf_id', 'app_id', 'actions', 'status', 'reason',
                    'du_id', 'scale_target', 'result', 'created_at',
                    'updated_at')
WORKFLOW_LIST_COLUMNS = ('wf_id', 'id', 'actions', 'status', 'reason')


def show(item, columns):
    return columns, tuple(item.get(c) for c in columns)


def table(items, columns):
    return columns, [tuple(i.get(c) for c in columns) for i in items]


def client(app):
    return app.client_manager.application_deployment


def fail(error):
    """One line that says what went wrong; osc exits non-zero."""
    raise osc_exc.CommandError(str(error)) from error


def load_file(path):
    try:
        with open(path) as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise osc_exc.CommandError('Cannot read app file %s: %s' %
                                   (path, ' '.join(str(e).split()))) from e


def parse_params(pairs):
    params = {}
    for pair in pairs or []:
        key, sep, value = pair.partition('=')
        if not sep:
            raise osc_exc.CommandError('--param takes KEY=VALUE, not %r' %
                                       pair)
        params[key] = value
    return params


def wait_for_workflow(solum, app, workflow, stream=sys.stderr):
    """Stream a workflow's log until it ends; return the final workflow.
    Exits non-zero (CommandError) when it did not succeed."""
    try:
        for line in solum.workflows.follow_logs(app, workflow['wf_id']):
            print(line, file=stream, flush=True)
        wf = solum.workflows.get(app, workflow['wf_id'])
        while not workflows.is_finished(wf):  # a stream cut short
            time.sleep(1)
            wf = solum.workflows.get(app, workflow['wf_id'])
    except exceptions.ClientException as e:
        fail(e)
    if wf['status'] in ('ERROR', 'UNIT_TESTING_FAILED',
                        'ERROR_CODE_DEPLOYMENT',
                        'ERROR_STACK_CREATE_FAILED'):
        raise osc_exc.CommandError('Workflow %d of %s ended %s: %s' % (
            wf['wf_id'], app, wf['status'], wf.get('reason')))
    return wf
