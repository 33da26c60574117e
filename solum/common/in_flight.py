"""Work running in this process, so a duplicate request for it (a resumed
workflow, a redelivered message) is ignored while the first still runs."""

import threading


class InFlight:
    def __init__(self):
        self._ids = set()
        self._lock = threading.Lock()

    def claim(self, ident):
        """True, and ``ident`` is ours until release(); False when it is
        already running."""
        with self._lock:
            if ident in self._ids:
                return False
            self._ids.add(ident)
            return True

    def release(self, ident):
        with self._lock:
            self._ids.discard(ident)
