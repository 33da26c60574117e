"""Helpers for the commands: output columns, waiting, app files."""

import contextlib
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
# Seconds between two looks at something being waited for.
POLL_INTERVAL = 1.0


def show(item, columns):
    return columns, tuple(item.get(c) for c in columns)


def table(items, columns):
    return columns, [tuple(i.get(c) for c in columns) for i in items]


def client(app):
    return app.client_manager.application_deployment


# What to do about a 404, by the resource the API names first.
_NOT_FOUND_HINTS = (
    ('App ', 'openstack app list shows your apps'),
    ('Language pack ', 'openstack languagepack list shows them'),
    ('Plan ', 'openstack app plan list shows them'),
    ('Workflow ', 'openstack app workflow list <app> shows its workflows'),
    ('Release ', 'openstack app release list <app> shows its releases'),
    ('Deploy token ', 'openstack app deploy-token list <app> shows them'),
)


def hint(error):
    """What to do about a 404 or 403, or None."""
    text = str(error)
    if isinstance(error, exceptions.NotFound):
        for prefix, advice in _NOT_FOUND_HINTS:
            if text.startswith(prefix):
                return advice
        return 'check the name or id'
    if isinstance(error, exceptions.Forbidden):
        if text.startswith('Quota exceeded'):
            return 'ask an admin to raise the quota, or free some'
        if 'project-scoped token' in text:
            return 'log in to a project (--os-project-name)'
        return 'your role does not allow it: ask a project member or admin'
    return None


def explain(error):
    """The API's faultstring first, then what to do, on one line."""
    text = ' '.join(str(error).split())
    advice = hint(error)
    if not advice:
        return text
    text = text.rstrip('. ')
    # A faultstring ending in its own parenthesis takes the hint after ";".
    if text.endswith(')'):
        return '%s; %s.' % (text, advice)
    return '%s (%s).' % (text, advice)


def fail(error):
    """One line that says what went wrong; osc exits non-zero."""
    raise osc_exc.CommandError(explain(error)) from error


@contextlib.contextmanager
def api_errors():
    """Run the block; an error from the Solum API (a ClientException) ends
    the command as ``fail`` does: a CommandError with the API's
    faultstring and what to do, so osc prints one line and exits 1."""
    try:
        yield
    except exceptions.ClientException as e:
        fail(e)


def one_line(text):
    return ' '.join(str(text).split()) if text else 'no reason given'


def progress(stream, text):
    print(text, file=stream, flush=True)


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


def success_state(actions):
    """The state a workflow ends in when it did all its actions."""
    if 'deploy' in actions:
        return 'DEPLOYMENT_COMPLETE'
    if 'build' in actions:
        return 'BUILT'
    return 'UNIT_TESTING_PASSED'


def _follow_until(stream, lines, get, finished):
    """Print a followed log's ``lines``, then ``get()`` the item until it
    is ``finished`` (a stream cut short ends before the item does)."""
    with api_errors():
        for line in lines:
            progress(stream, line)
        item = get()
        while not finished(item):
            time.sleep(POLL_INTERVAL)
            item = get()
    return item


def wait_for_workflow(solum, app, workflow, stream=sys.stderr):
    """Stream a workflow's log until it ends; return the final workflow.
    Exits non-zero (CommandError) unless it ended in the success state of
    its actions: every other end (ERROR_*, UNIT_TESTING_FAILED, DELETING,
    BUILT when it was to deploy, ...) is a failure."""
    wf = _follow_until(
        stream, solum.workflows.follow_logs(app, workflow['wf_id']),
        lambda: solum.workflows.get(app, workflow['wf_id']),
        workflows.is_finished)
    # Without actions (an older API) the workflow did all three.
    actions = wf.get('actions') or workflow.get('actions') or ('deploy',)
    if wf['status'] != success_state(actions):
        raise osc_exc.CommandError('Workflow %d of %s ended %s: %s' % (
            wf['wf_id'], app, wf['status'], one_line(wf.get('reason'))))
    return wf


def wait_for_app_gone(solum, app, stream=sys.stderr):
    """Until ``app`` (a dict as the API shows it, being deleted) is gone;
    exits non-zero when its delete ends in another state (such as
    ERROR_STACK_DELETE_FAILED)."""
    name, last = app['name'], None
    while True:
        try:
            status = solum.apps.get(app['id'])['status']
        except exceptions.NotFound:
            progress(stream, '%s: deleted' % name)
            return
        except exceptions.ClientException as e:
            fail(e)
        if status != last:
            progress(stream, '%s: %s' % (name, status))
            last = status
        # The API shows DELETING until the conductor is done: any other
        # state is where a failed delete left the app.
        if status != 'DELETING':
            raise osc_exc.CommandError(
                'Deleting app %s ended %s (its stack or containers may be '
                'left; openstack app delete %s tries again).' % (
                    name, status, name))
        time.sleep(POLL_INTERVAL)


# Replica states of the drivers that mean "serving": local (podman) and
# heat (Nova).
RUNNING = ('running', 'ACTIVE')


def _stack_status(rows):
    return {str(r.get('stack_status') or '') for r in rows} - {''}


def wait_for_replicas(solum, app, replicas, timeout, stream=sys.stderr):
    """Until ``app`` runs exactly ``replicas`` replicas and no stack update
    is in flight. The API's scale answers before the deployer scales
    (202, no workflow) and records no failure but the heat driver's stack
    status, so only that, or the timeout, ends the wait non-zero."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        with api_errors():
            rows = solum.apps.replicas(app)
        running = [r for r in rows if r.get('state') in RUNNING]
        stacks = _stack_status(rows)
        text = '%s: %d of %d replica(s) running' % (app, len(running),
                                                    replicas)
        if text != last:
            progress(stream, text)
            last = text
        failed = sorted(s for s in stacks if s.endswith('_FAILED'))
        if failed:
            raise osc_exc.CommandError(
                'Scaling %s to %d failed: its stack is %s (openstack app '
                'show %s; the deployer log has the reason).' % (
                    app, replicas, ', '.join(failed), app))
        busy = any(s.endswith('_IN_PROGRESS') for s in stacks)
        if len(rows) == len(running) == replicas and not busy:
            return rows
        if time.monotonic() > deadline:
            raise osc_exc.CommandError(
                '%s has %d of %d replica(s) running after %d s (the scale '
                'may still be under way, or have failed: the deployer log '
                'has the reason).' % (app, len(running), replicas, timeout))
        time.sleep(POLL_INTERVAL)


LP_FINISHED = ('READY', 'ERROR')


def wait_for_language_pack(solum, lp, stream=sys.stderr):
    """Stream a language pack's build log until it ends; return the
    language pack when READY, exit non-zero with the reason otherwise."""
    shown = _follow_until(
        stream, solum.language_packs.follow_logs(lp['id']),
        lambda: solum.language_packs.get(lp['id']),
        lambda item: item['status'] in LP_FINISHED)
    if shown['status'] != 'READY':
        raise osc_exc.CommandError('Language pack %s ended %s: %s' % (
            shown['name'], shown['status'], one_line(shown.get('reason'))))
    return shown
