"""Starting an app's workflow: the values every way of starting one
(POST /v1/apps/{app}/workflows, a webhook delivery, a git push) gives the
conductor."""

from solum.common import context as solum_context
from solum.common import states

DEFAULT_ACTIONS = ['unittest', 'build', 'deploy']


def trigger_actions(app):
    """The app's trigger_actions, in the order the stages run."""
    wanted = app.trigger_actions or DEFAULT_ACTIONS
    return [a for a in states.ACTIONS if a in wanted]


def builds_commits(app):
    return states.BUILD in trigger_actions(app)


def workflow_values(app, actions, source, du_id=None, scale_target=None):
    return {
        'actions': actions,
        'du_id': du_id,
        'scale_target': scale_target,
        'source': source,
        'config': app.workflow_config,
    }


def owner_context(app):
    """For work no user token asked for (a webhook delivery, a push with a
    deploy token): the app's project and owner. The builder and deployer
    act through the app's trust (app.trust_id), as for every workflow."""
    return solum_context.RequestContext(
        project_id=app.project_id, user_id=app.user_id, roles=[],
        overwrite=False)


def start_on_commit(conductor, context, app, source):
    """The app's trigger_actions on ``source`` (a pushed commit)."""
    return conductor.start_workflow(
        context, app, workflow_values(app, trigger_actions(app), source))
