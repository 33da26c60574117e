"""Workflows (numbered per app) and their transitions. Only the conductor
moves a workflow from one state to the next (transition_workflow)."""

import sqlalchemy as sa
from oslo_utils import timeutils
from oslo_utils import uuidutils

from solum.common import exception
from solum.common import states
from solum.db import engine
from solum.db import models
from solum.db import query as q


def create_workflow(context, app, values, initial_status=states.QUEUED):
    """Create the next workflow of an app, numbered per app (wf_id)."""
    with engine.writer(context) as session:
        # The guarded increment serialises concurrent creations per app on
        # every backend without SELECT ... FOR UPDATE.
        while True:
            current = session.scalar(sa.select(models.App.last_wf_id).where(
                models.App.id == app.id))
            if current is None:
                raise exception.NotFound(resource='App', id=app.uuid)
            result = session.execute(
                sa.update(models.App)
                .where(models.App.id == app.id)
                .where(models.App.last_wf_id == current)
                .values(last_wf_id=current + 1))
            if result.rowcount == 1:
                break
        wf = models.Workflow(
            uuid=uuidutils.generate_uuid(), app_id=app.id,
            project_id=app.project_id,
            user_id=context.user_id if context is not None else None,
            wf_id=current + 1, status=initial_status, **values)
        session.add(wf)
        session.flush()
        session.add(models.WorkflowTransition(
            workflow_id=wf.id, from_status=None, to_status=initial_status))
        session.execute(sa.update(models.App)
                        .where(models.App.id == app.id)
                        .values(**q.app_change(status=initial_status)))
        session.flush()
        session.refresh(wf)
        return wf


def get_workflow(context, app, ident):
    query = sa.select(models.Workflow).where(
        models.Workflow.app_id == app.id)
    if q.is_uuid(str(ident)):
        query = query.where(models.Workflow.uuid == ident)
    else:
        try:
            number = int(ident)
        except (TypeError, ValueError):
            raise exception.NotFound(resource='Workflow', id=ident)
        if not q.in_column(number):
            raise exception.NotFound(resource='Workflow', id=ident)
        query = query.where(models.Workflow.wf_id == number)
    with engine.reader(context) as session:
        wf = session.scalars(query).first()
    if wf is None:
        raise exception.NotFound(resource='Workflow', id=ident)
    return wf


def get_workflow_by_uuid(context, uuid):
    with engine.reader(context) as session:
        wf = session.scalars(sa.select(models.Workflow).where(
            models.Workflow.uuid == uuid)).first()
    if wf is None:
        raise exception.NotFound(resource='Workflow', id=uuid)
    return wf


def list_workflows(context, app, limit=None, marker=None):
    with engine.reader(context) as session:
        query = sa.select(models.Workflow).where(
            models.Workflow.app_id == app.id)
        query = q.paginate(session, query, models.Workflow, limit, marker)
        return list(session.scalars(query))


def list_workflows_in(context, statuses, app_id=None):
    """Workflows in ``statuses``, oldest first (of one app, or all)."""
    query = (sa.select(models.Workflow)
             .where(models.Workflow.status.in_(list(statuses)))
             .order_by(models.Workflow.id))
    if app_id is not None:
        query = query.where(models.Workflow.app_id == app_id)
    with engine.reader(context) as session:
        return list(session.scalars(query))


def transition_workflow(context, uuid, expected, target, reason=None,
                        result=None, log_message=None, app_url=None):
    """Move a workflow from ``expected`` to ``target`` atomically.

    Returns False when the workflow is no longer in ``expected`` (another
    actor moved it first), so each transition happens exactly once.
    ``log_message`` joins the workflow's log in the same transaction, so
    whoever sees the new state also sees the line; so does ``app_url``
    become the app's (a deploy's end): whoever sees the workflow
    finished sees where its app is served.
    """
    now = timeutils.utcnow()
    with engine.writer(context) as session:
        wf = session.scalars(sa.select(models.Workflow).where(
            models.Workflow.uuid == uuid)).first()
        if wf is None:
            raise exception.NotFound(resource='Workflow', id=uuid)
        values = {'status': target, 'reason': reason, 'updated_at': now}
        if result:
            values['result'] = dict(wf.result or {}, **result)
        changed = session.execute(
            sa.update(models.Workflow)
            .where(models.Workflow.id == wf.id)
            .where(models.Workflow.status == expected)
            .values(**values)).rowcount
        if not changed:
            return False
        session.add(models.WorkflowTransition(
            workflow_id=wf.id, from_status=expected, to_status=target,
            reason=reason, created_at=now))
        if log_message:
            session.add(models.LogLine(
                resource_uuid=wf.uuid, project_id=wf.project_id,
                stage='conductor', message=log_message, created_at=now))
        if app_url:
            session.execute(sa.update(models.App)
                            .where(models.App.id == wf.app_id)
                            .values(**q.app_change(app_url=app_url)))
        # The app shows the state of its newest workflow.
        newest = session.scalar(
            sa.select(sa.func.max(models.Workflow.wf_id))
            .where(models.Workflow.app_id == wf.app_id))
        if newest == wf.wf_id:
            session.execute(sa.update(models.App)
                            .where(models.App.id == wf.app_id)
                            .where(models.App.status != states.DELETING)
                            .values(**q.app_change(status=target,
                                                   updated_at=now)))
        return True


def update_workflow_result(context, uuid, result):
    with engine.writer(context) as session:
        wf = session.scalars(sa.select(models.Workflow).where(
            models.Workflow.uuid == uuid)).first()
        if wf is None:
            raise exception.NotFound(resource='Workflow', id=uuid)
        wf.result = dict(wf.result or {}, **result)


def list_transitions(context, workflow_id):
    with engine.reader(context) as session:
        return list(session.scalars(
            sa.select(models.WorkflowTransition)
            .where(models.WorkflowTransition.workflow_id == workflow_id)
            .order_by(models.WorkflowTransition.id)))
