"""Destroying an app leaves no row of any table that refers to it."""

import json

from solum.common import context
from solum.common import states
from solum.db import api as db_api
from solum.db import models
from solum.tests import base


class TestDestroyApp(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(project_id='p', user_id='u')

    def make_app(self, name):
        """An app with everything that hangs off one."""
        app = db_api.create_app(self.ctx, {
            'name': name, 'languagepack': 'python',
            'source': {'repository': 'https://h/r'}})
        wf = db_api.create_workflow(self.ctx, app, {
            'actions': ['build'], 'source': {}, 'config': {}},
            states.QUEUED)
        db_api.transition_workflow(None, wf.uuid, states.QUEUED,
                                   states.BUILDING, log_message='building')
        db_api.append_log_lines(None, wf.uuid, 'p', 'build', ['step 1'])
        db_api.create_release(None, app, {'image': 'img', 'config': {},
                                    'workflow_id': wf.id})
        # What scaling and autoscaling log, under the app itself.
        db_api.append_log_lines(None, app.uuid, 'p', 'deployer',
                                ['scaled to 2 replica(s)'])
        return app

    def references(self, app):
        """(table, column) of every value naming the app or its parts."""
        workflows = db_api.list_workflows(None, app)
        releases = db_api.list_releases(None, app.id)
        uuids = ({app.uuid} | {w.uuid for w in workflows} |
                 {r.uuid for r in releases})
        ids = {'apps': {app.id}, 'workflows': {w.id for w in workflows},
               'releases': {r.id for r in releases}}
        found = []
        with db_api.get_engine().connect() as connection:
            for table in models.Base.metadata.sorted_tables:
                for row in connection.execute(table.select()):
                    found.extend(
                        (table.name, column.name)
                        for column in table.columns
                        if self._refers(column, row._mapping[column], uuids,
                                        ids))
        return found

    @staticmethod
    def _refers(column, value, uuids, ids):
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        if isinstance(value, str):
            return any(uuid in value for uuid in uuids)
        # An id column: by foreign key, as the primary key, or by name
        # (releases.workflow_id has no foreign key).
        targets = {key.column.table.name for key in column.foreign_keys}
        if column.primary_key:
            targets.add(column.table.name)
        if column.name.endswith('_id'):
            targets.add(column.name[:-len('_id')] + 's')
        return any(value in ids.get(target, ()) for target in targets)

    def test_nothing_refers_to_a_destroyed_app(self):
        doomed = self.make_app('doomed')
        kept = self.make_app('kept')
        tables = {table for table, _column in self.references(doomed)}
        self.assertEqual({'apps', 'workflows', 'workflow_transitions',
                          'releases', 'log_lines'}, tables)
        db_api.destroy_app(None, doomed.id)
        self.assertEqual([], self.references(doomed))
        self.assertEqual(tables,
                         {table for table, _c in self.references(kept)})
