"""Times for the lines of servers' console output, which has none of its
own: a line keeps the time this deployer first read it, so that a log
read ``since`` a time gets only what is new."""

import datetime
import threading

# Console lines kept per server.
CONSOLE_LINES = 1000


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%S.%fZ')


class ConsoleTimes:

    def __init__(self, clock=utc_now):
        self._clock = clock
        self._lock = threading.Lock()
        self._known = {}   # server id -> [(time first read, line)]

    def timed(self, server_id, text_lines):
        """(first-read time, line) of a server's console lines: those
        read before keep their time (the console only grows, until its
        start is cut off), the new ones get the time now."""
        now = self._clock()
        with self._lock:
            known = self._known.get(server_id, [])
            seen = [line for _when, line in known]
            # Where the known lines continue in the text read now.
            start = 0
            for start in range(len(seen) + 1):
                if text_lines[:len(seen) - start] == seen[start:]:
                    break
            kept = known[start:]
            timed = kept + [(now, line) for line in
                            text_lines[len(kept):]]
            self._known[server_id] = timed[-CONSOLE_LINES:]
        return timed
