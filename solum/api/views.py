"""What the API shows of each resource. Secrets never appear here."""

from solum.common import languagepacks


def _time(value):
    return value.isoformat() if value is not None else None


def _public_source(source):
    return {k: v for k, v in (source or {}).items()
            if k != 'private_ssh_key'}


def app(item, base_url):
    uri = '%s/v1/apps/%s' % (base_url, item.uuid)
    return {
        'id': item.uuid,
        'uuid': item.uuid,
        'uri': uri,
        'type': 'app',
        'name': item.name,
        'description': item.description,
        'project_id': item.project_id,
        'user_id': item.user_id,
        'languagepack': item.languagepack,
        'source': _public_source(item.source),
        'git_url': uri + '/git',
        'workflow_config': item.workflow_config,
        'trigger_actions': item.trigger_actions,
        'trigger_uuid': item.trigger_uuid,
        'ports': item.ports,
        'parameters': item.parameters,
        'raw_content': item.raw_content,
        'status': item.status,
        'app_url': item.app_url,
        'created_at': _time(item.created_at),
        'updated_at': _time(item.updated_at),
    }


def workflow(item, base_url, transitions=None):
    app_uuid = item.app.uuid
    body = {
        'id': item.uuid,
        'uuid': item.uuid,
        'uri': '%s/v1/apps/%s/workflows/%d' % (base_url, app_uuid,
                                               item.wf_id),
        'type': 'workflow',
        'app_id': app_uuid,
        'wf_id': item.wf_id,
        'project_id': item.project_id,
        'user_id': item.user_id,
        'actions': item.actions,
        'du_id': item.du_id,
        'scale_target': item.scale_target,
        'status': item.status,
        'reason': item.reason,
        'source': _public_source(item.source),
        'config': item.config,
        'result': {k: v for k, v in (item.result or {}).items()
                   if not k.startswith('_')},
        'created_at': _time(item.created_at),
        'updated_at': _time(item.updated_at),
    }
    if transitions is not None:
        body['transitions'] = [{
            'from': t.from_status, 'to': t.to_status, 'reason': t.reason,
            'at': _time(t.created_at)} for t in transitions]
    return body


def language_pack(item, base_url):
    """A project's pack (a row) or a built-in one
    (solum.common.languagepacks.BuiltinPack), in the same shape."""
    body = {
        'id': item.uuid,
        'uuid': item.uuid,
        'uri': '%s/v1/language_packs/%s' % (base_url, item.uuid),
        'type': 'language_pack',
        'name': item.name,
        'description': item.description,
        'project_id': item.project_id,
        'user_id': item.user_id,
        'source_uri': item.source_uri,
        'lp_metadata': item.lp_metadata,
        'lp_params': item.lp_params,
        'status': item.status,
        'reason': item.reason,
        'image_ref': item.image_ref,
        'builtin': bool(getattr(item, 'builtin', False)),
        'created_at': _time(item.created_at),
        'updated_at': _time(item.updated_at),
    }
    upstream = getattr(item, 'upstream', {})
    body.update((field, upstream.get(field))
                for field in languagepacks.UPSTREAM_FIELDS)
    return body


def plan(item, base_url):
    body = dict(item.content)
    body.update({
        'id': item.uuid,
        'uuid': item.uuid,
        'uri': '%s/v1/plans/%s' % (base_url, item.uuid),
        'type': 'plan',
        'name': item.name,
        'description': item.description,
        'project_id': item.project_id,
        'user_id': item.user_id,
        'created_at': _time(item.created_at),
        'updated_at': _time(item.updated_at),
    })
    return body


def log_line(line):
    return {'id': line.id, 'stage': line.stage, 'message': line.message,
            'created_at': _time(line.created_at)}


def release(item, app_item, base_url):
    return {
        'id': item.uuid,
        'uuid': item.uuid,
        'uri': '%s/v1/apps/%s/releases/%d' % (base_url, app_item.uuid,
                                              item.number),
        'type': 'release',
        'app_id': app_item.uuid,
        'number': item.number,
        'image': item.image,
        'config': item.config,
        'replicas': item.replicas,
        'status': item.status,
        'reason': item.reason,
        'rollback_of': item.rollback_of,
        'created_at': _time(item.created_at),
        'updated_at': _time(item.updated_at),
    }


def deploy_token(item):
    """A deploy token without its secret (shown only when created)."""
    return {
        'id': item.uuid,
        'name': item.name,
        'created_at': _time(item.created_at),
        'last_used_at': _time(item.last_used_at),
    }
