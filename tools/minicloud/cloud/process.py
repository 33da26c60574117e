# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""The processes minicloud starts, stops and checks.

Process (what they all share: run/NAME.pid, spawn, down), UwsgiService
(an OpenStack API under uwsgi: Keystone, and Api for the others),
HttpDaemon (an HTTP server that is its own program, such as Prometheus),
Daemon (an RPC or other non-HTTP process) and wait_rpc().
"""

import contextlib
import os
import subprocess
import time

from .common import HOST
from .common import STATE
from .common import MinicloudError
from .common import ensure_installed
from .common import http_answers
from .common import http_ok
from .common import installed_current
from .common import log
from .common import path
from .common import pid_alive
from .common import port_in_use
from .common import stop_pid
from .common import tail
from .common import venv_bin
from .common import write_file
from .infra import rpc_consumers


class Process:
    """A process minicloud starts in its own session, with a pidfile
    run/NAME.pid that minicloud writes itself; subclasses say how to
    tell it runs (running() returns its pid)."""

    name = None
    kind = ""  # what `down` stops: "NAME: stopping KIND (pid N)"

    @property
    def pidfile(self):
        return path("run", f"{self.name}.pid")

    def running(self):
        raise NotImplementedError

    def spawn(self, cmd, logfile, env=None):
        """Start cmd in a session of its own (the process leads its own
        group and outlives this script), output appended to logfile;
        write the pidfile and return the Popen."""
        with open(logfile, "a") as out:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, env=env, cwd=STATE,
                start_new_session=True)
        write_file(self.pidfile, f"{proc.pid}\n")
        return proc

    def forget_pid(self):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.pidfile)

    def down(self):
        pid = self.running()
        if pid:
            what = f"{self.kind} " if self.kind else ""
            log(f"{self.name}: stopping {what}(pid {pid})")
            stop_pid(pid)
            log(f"{self.name}: stopped")
        else:
            log(f"{self.name}: not running")
        self.forget_pid()


class UwsgiService(Process):
    """An OpenStack API served by uwsgi on HOST:port, plus its setup.

    Subclasses set name/port/packages/health_path and implement
    configure() (write etc/NAME/*), bootstrap() (one-time DB and key
    setup) and after_start() (fixtures); uwsgi_ini() returns the ini path.
    Keystone is one; the other services are Components (component.py)
    made of Api (a UwsgiService) and Daemon processes.
    """

    name = None
    port = None
    packages = []
    health_path = "/"
    kind = "uwsgi"

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    @property
    def uwsgi_log(self):
        return path("logs", f"{self.name}-uwsgi.log")

    def uwsgi_ini(self):
        return path("etc", self.name, "uwsgi.ini")

    def uwsgi_env(self):
        return {}

    # -- hooks
    def configure(self):
        pass

    def bootstrap(self):
        pass

    def after_start(self):
        pass

    def is_current(self):
        """True when a running service needs nothing more from `up`."""
        return True

    # -- state
    def running(self):
        return pid_alive(self.pidfile)

    def answering(self):
        return http_ok(self.url + self.health_path)

    # -- commands
    def up(self):
        if (installed_current(self.name, self.packages) and self.running()
                and self.answering() and self.is_current()):
            log(f"{self.name}: already up on {self.url}")
            return
        ensure_installed(self.name, self.packages)
        self.configure()
        self.bootstrap()
        self.start()
        self.after_start()
        log(f"{self.name}: up on {self.url}")

    def start(self, timeout=90):
        self.launch()
        self.wait_ready(timeout)

    def command(self):
        return [venv_bin("uwsgi"), "--ini", self.uwsgi_ini()]

    def launch(self):
        """Start the server unless it runs; do not wait for it to
        answer."""
        self._proc = None
        if self.running():
            if not self.answering():
                log(f"{self.name}: running but not answering yet")
            return
        if port_in_use(self.port):
            raise MinicloudError(
                f"{HOST}:{self.port} is already in use by a process "
                f"that minicloud did not start from {STATE} (no live "
                f"pidfile {self.pidfile}); stop it first (ss -ltnp)")
        log(f"{self.name}: starting {self.kind} on {HOST}:{self.port} "
            f"(log: {self.uwsgi_log})")
        # No uwsgi `pidfile` option: minicloud writes run/NAME.pid
        # itself, atomically.
        self._proc = self.spawn(self.command(), self.uwsgi_log,
                                env=dict(os.environ, **self.uwsgi_env()))

    def wait_ready(self, timeout=90):
        proc = getattr(self, "_proc", None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answering():
                log(f"{self.name}: answering on {self.url}")
                return
            if proc is not None and proc.poll() is not None:
                self.forget_pid()
                raise MinicloudError(
                    f"{self.name}'s uwsgi exited with status "
                    f"{proc.returncode}\n--- last lines of {self.uwsgi_log}"
                    f" ---\n{tail(self.uwsgi_log, 25)}")
            if proc is None and not self.running():
                break  # it died while we waited
            time.sleep(0.25)
        raise MinicloudError(
            f"{self.name} did not answer on {self.url}{self.health_path} "
            f"within {timeout} s (uwsgi running: {bool(self.running())})\n"
            f"--- last lines of {self.uwsgi_log} ---\n{tail(self.uwsgi_log)}"
            f"--- last lines of {path('logs', self.name + '.log')} ---\n"
            f"{tail(path('logs', self.name + '.log'))}")

    def status(self):
        pid = self.running()
        running = f"running pid {pid}" if pid else "stopped"
        answer = "answering" if self.answering() else "not answering"
        print(f"{self.name:16} {running:18} {self.url} {answer}"
              f"{self.status_extra()}")

    def status_extra(self):
        return ""


class Api(UwsgiService):
    """An API of a Component, served by uwsgi."""

    def __init__(self, name, port, ini, health_path="/"):
        self.name = name
        self.port = port
        self.ini = ini
        self.health_path = health_path

    def uwsgi_ini(self):
        return path(*self.ini.split("/"))

    def answering(self):
        return http_answers(self.url + self.health_path)


class HttpDaemon(Api):
    """A component's HTTP server that is a program of its own (not a
    WSGI app under uwsgi), such as Prometheus: `args` after the binary,
    output to logs/NAME.log, readiness by GET health_path."""

    def __init__(self, name, port, binary, args, health_path="/"):
        super().__init__(name, port, None, health_path)
        self.binary = binary
        self.args = args
        self.kind = os.path.basename(binary)

    @property
    def uwsgi_log(self):  # the process's own output
        return path("logs", f"{self.name}.log")

    def running(self):
        return pid_alive(self.pidfile, expect=os.path.basename(self.binary))

    def answering(self):
        return http_ok(self.url + self.health_path)

    def command(self):
        return [self.binary, *self.args]


class Daemon(Process):
    """A non-HTTP process of a Component (heat-engine, nova-compute...).

    rpc_queue: the RabbitMQ queue it consumes once it is ready.
    """

    def __init__(self, name, args, rpc_queue=None, late=False):
        self.name = name
        self.args = args
        self.rpc_queue = rpc_queue
        self.late = late  # started once the others consume their queues
        self._proc = None

    @property
    def out_log(self):
        return path("logs", f"{self.name}.out")

    def running(self):
        return pid_alive(self.pidfile, expect=self.name)

    def answering(self):
        return bool(self.running())

    def launch(self):
        self._proc = None
        if self.running():
            return
        log(f"{self.name}: starting (log: {self.out_log})")
        self._proc = self.spawn([venv_bin(self.name), *self.args],
                                self.out_log)

    def check_alive(self):
        if self._proc is not None and self._proc.poll() is not None:
            self.forget_pid()
            raise MinicloudError(
                f"{self.name} exited with status {self._proc.returncode}\n"
                f"--- last lines of {self.out_log} ---\n"
                f"{tail(self.out_log, 25)}")

    def wait_ready(self, timeout=120):
        self.check_alive()

    def status(self):
        pid = self.running()
        running = f"running pid {pid}" if pid else "stopped"
        queue = f"rpc queue {self.rpc_queue}" if self.rpc_queue else ""
        print(f"{self.name:16} {running:18} {queue}")


def wait_rpc(daemons, timeout=180):
    """Wait until every daemon's RPC queue has a consumer."""
    want = {d.rpc_queue: d for d in daemons if d.rpc_queue}
    if not want:
        return
    log(f"waiting for RPC consumers: {', '.join(sorted(want))}")
    deadline = time.monotonic() + timeout
    while True:
        for d in want.values():
            d.check_alive()
        found = rpc_consumers()
        missing = [q for q in want if found.get(q, 0) < 1]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise MinicloudError(
                f"no RPC consumer on {', '.join(missing)} after {timeout} s"
                "; see " + ", ".join(want[q].out_log for q in missing))
        time.sleep(1)
