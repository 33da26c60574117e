"""What the API asks of the conductor: the rows that start a workflow or
an app's deletion, and the message that hands them to the conductor.

The API never names a workflow state itself: a workflow starts QUEUED
here, and the conductor moves it on from there.
"""

from solum.common import states
from solum.conductor import rpcapi
from solum.db import api as db_api


class ConductorClient:

    def __init__(self):
        self.rpc = rpcapi.ConductorAPI()

    def start_workflow(self, context, app, values):
        """Create the app's next workflow (QUEUED) and have the conductor
        start it; returns the workflow."""
        wf = db_api.create_workflow(context, app, values, states.QUEUED)
        self.rpc.start_workflow(context, wf.uuid)
        return wf

    def delete_app(self, context, app):
        """Mark the app DELETING (nothing new starts for it) and have the
        conductor remove what runs, its images, trust and rows."""
        db_api.set_app_status(context, app.id, states.DELETING)
        self.rpc.delete_app(context, app.uuid)

    def build_language_pack(self, context, lp_uuid):
        self.rpc.build_language_pack(context, lp_uuid)
