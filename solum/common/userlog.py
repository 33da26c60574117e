"""The log store: lines a developer reads through the API, by stage."""

from solum.db import api as db_api

# Stored lines are cut here so that one runaway line cannot fill the store.
MAX_LINE = 8192


class StageLog:
    """Appends lines to the log of one workflow or language pack stage."""

    def __init__(self, resource_uuid, project_id, stage):
        self.resource_uuid = resource_uuid
        self.project_id = project_id
        self.stage = stage

    def write(self, line):
        self.write_lines([line])

    def write_lines(self, lines):
        db_api.append_log_lines(
            None, self.resource_uuid, self.project_id, self.stage,
            [line.rstrip('\n')[:MAX_LINE] for line in lines])
