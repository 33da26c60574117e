"""Database access: the one module callers import.

Each resource has its module (apps, workflows, releases, language_packs,
plans, logs); engine set-up and shared query helpers are apart (engine,
query). Every function takes the request context first: queries that
find rows by name, or list them, are scoped to its project unless it may
see every project; ``None`` stands for a service's own work, which sees
every project. Rows found by their own uuid or id (which the caller got
from an authorised lookup) are not scoped again.
"""

# ruff: noqa: F401 (the facade re-exports)
from solum.db.apps import apply_scale
from solum.db.apps import apps_using_language_pack
from solum.db.apps import count_apps
from solum.db.apps import create_app
from solum.db.apps import destroy_app
from solum.db.apps import get_app
from solum.db.apps import get_app_by_id
from solum.db.apps import get_apps_by_uuid
from solum.db.apps import list_app_revisions
from solum.db.apps import list_apps
from solum.db.apps import request_scale
from solum.db.apps import set_app_status
from solum.db.apps import set_app_url
from solum.db.apps import update_app
from solum.db.deploy_tokens import create_deploy_token
from solum.db.deploy_tokens import delete_deploy_token
from solum.db.deploy_tokens import list_deploy_tokens
from solum.db.deploy_tokens import use_deploy_token
from solum.db.engine import get_engine
from solum.db.engine import reset_engine
from solum.db.language_packs import count_language_packs
from solum.db.language_packs import create_language_pack
from solum.db.language_packs import destroy_language_pack
from solum.db.language_packs import get_language_pack
from solum.db.language_packs import get_language_pack_by_uuid
from solum.db.language_packs import get_project_language_pack
from solum.db.language_packs import list_language_packs
from solum.db.language_packs import update_language_pack
from solum.db.logs import append_log_lines
from solum.db.logs import get_log_lines
from solum.db.plans import count_plans
from solum.db.plans import create_plan
from solum.db.plans import destroy_plan
from solum.db.plans import get_plan
from solum.db.plans import list_plans
from solum.db.plans import update_plan
from solum.db.releases import activate_release
from solum.db.releases import active_release
from solum.db.releases import create_release
from solum.db.releases import fail_interrupted_releases
from solum.db.releases import get_release
from solum.db.releases import list_active_releases
from solum.db.releases import list_releases
from solum.db.releases import next_release_number
from solum.db.releases import update_release
from solum.db.webhooks import forget_deliveries
from solum.db.webhooks import get_app_by_uuid
from solum.db.webhooks import record_deliveries
from solum.db.webhooks import set_webhook_secret
from solum.db.workflows import create_workflow
from solum.db.workflows import get_workflow
from solum.db.workflows import get_workflow_by_uuid
from solum.db.workflows import list_transitions
from solum.db.workflows import list_workflows
from solum.db.workflows import list_workflows_in
from solum.db.workflows import transition_workflow
from solum.db.workflows import update_workflow_result
