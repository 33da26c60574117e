"""Rendered JSON of apps, cached by (uuid, revision, base URL).

Listing apps is the API's hot path; rendering each app again from its row
costs far more than asking the database which revision each app is at.
Every change of an app bumps its revision (solum.db.api._app_change), so a
cached rendering is never stale, in any process.
"""

import collections
import threading

import orjson


class RenderCache:
    def __init__(self, size=4096):
        self.size = size
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()


def json_list(keys, cache, fetch, render, scope):
    """A JSON array (bytes) of the items ``keys`` name, in order.

    ``keys`` are (uuid, revision) pairs; ``fetch(uuids)`` returns rows of
    those not cached, ``render(row)`` the dict to show; ``scope`` is what
    else the rendering depends on (the base URL). A row fetched at a newer
    revision than listed (changed in between) is shown as fetched.
    """
    parts = {}
    missing = []
    for uuid, revision in keys:
        cached = cache.get((scope, uuid, revision))
        if cached is None:
            missing.append(uuid)
        else:
            parts[uuid] = cached
    if missing:
        for row in fetch(missing):
            rendered = orjson.dumps(render(row))
            cache.put((scope, row.uuid, row.revision), rendered)
            parts[row.uuid] = rendered
    return b'[' + b','.join(parts[uuid] for uuid, _ in keys
                            if uuid in parts) + b']'
