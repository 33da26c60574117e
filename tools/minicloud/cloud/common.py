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
"""Settings, logging, files, processes, pids and installs.

The environment (MINICLOUD_VENV, MINICLOUD_STATE) is read here, once;
everything else in the package finds its paths through path() and
venv_bin(). Also: log(), run(), write_file(), the HTTP and port checks,
pidfiles and stop_pid(), the state lock, and pip/apt installs.
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

# tools/minicloud: requirements.lock lives next to minicloud.py
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCK_FILE = os.path.join(HERE, "requirements.lock")
VENV = os.path.abspath(
    os.environ.get("MINICLOUD_VENV", "/opt/solum-minicloud/venv"))
STATE = os.path.abspath(
    os.environ.get("MINICLOUD_STATE", "/var/lib/solum-minicloud"))
STATE_MARKER = ".minicloud-state"
HOST = "127.0.0.1"
REGION = "RegionOne"

T0 = time.monotonic()


class MinicloudError(Exception):
    pass


_LOG_LOCK = threading.Lock()


def log(msg):
    with _LOG_LOCK:  # schema syncs log from threads
        print(f"[{time.monotonic() - T0:6.1f}s] {msg}", flush=True)


def path(*parts):
    return os.path.join(STATE, *parts)


def venv_bin(name):
    return os.path.join(VENV, "bin", name)


def tail(filename, lines=40):
    try:
        with open(filename, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"(cannot read {filename}: {e})"


def run(cmd, logfile, env=None, timeout=900):
    """Run an argument list, output appended to logfile; raise on failure."""
    with open(logfile, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        try:
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env,
                                timeout=timeout, check=False).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    if rc != 0:
        raise MinicloudError(
            f"command failed ({rc}): {' '.join(cmd)}\n"
            f"--- last lines of {logfile} ---\n{tail(logfile)}")


def write_file(filename, content, mode=0o644):
    """Write atomically; return True when the content changed."""
    try:
        with open(filename) as f:
            if f.read() == content:
                return False
    except OSError:
        pass
    tmp = f"{filename}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(content)
    os.chmod(tmp, mode)
    os.replace(tmp, filename)
    return True


def http_ok(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310
            return 200 <= r.status < 400
    except (OSError, urllib.error.URLError):
        return False


def http_answers(url, timeout=2.0):
    """True when anything answers HTTP below 500 (auth errors count)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310
            return r.status < 500
    except urllib.error.HTTPError as e:
        return e.code < 500
    except (OSError, urllib.error.URLError):
        return False


def port_in_use(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


def pid_alive(pidfile, expect="uwsgi"):
    """PID from pidfile if that process runs and looks like ours."""
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError):
        return None
    return pid if expect in cmdline else None


def stop_pid(pid, timeout=15):
    """SIGTERM the process (and its session group), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            # reap it if it happens to be our child
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
    raise MinicloudError(f"pid {pid} did not stop")


def read_stripped(filename):
    try:
        with open(filename) as f:
            return f.read().strip()
    except OSError:
        return None


@contextlib.contextmanager
def state_lock():
    """Serialise concurrent minicloud runs (parallel test workers)."""
    os.makedirs(STATE, exist_ok=True)
    marker = path(STATE_MARKER)
    if not os.path.exists(marker):
        write_file(marker, "state directory of tools/minicloud/minicloud.py\n")
    with open(path(".lock"), "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another minicloud run ({path('.lock')})")
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# ---------------------------------------------------------------- install

def install_marker(name):
    """The venv's marker of what `name`'s packages were installed from."""
    return os.path.join(VENV, f".minicloud-{name}.sha256")


def installed_current(name, packages):
    return read_stripped(install_marker(name)) == lock_digest(packages)


def lock_digest(packages):
    h = hashlib.sha256()
    with open(LOCK_FILE, "rb") as f:
        h.update(f.read())
    h.update(" ".join(sorted(packages)).encode())
    return h.hexdigest()


def ensure_installed(name, packages):
    """pip install packages into the venv unless already done (marker)."""
    marker = install_marker(name)
    digest = lock_digest(packages)
    if read_stripped(marker) == digest:
        return False
    pip_install(packages)
    write_file(marker, digest + "\n")
    return True


def pip_install(packages):
    os.makedirs(path("logs"), exist_ok=True)
    pip_log = path("logs", "pip-install.log")
    if not os.path.exists(venv_bin("python")):
        log(f"creating virtualenv {VENV}")
        os.makedirs(os.path.dirname(VENV), exist_ok=True)
        run([sys.executable, "-m", "venv", VENV], pip_log)
        run([venv_bin("python"), "-m", "pip", "install", "-q", "--upgrade",
             "pip", "setuptools", "wheel"], pip_log)
    log(f"pip install {' '.join(packages)} (constraints: {LOCK_FILE}; "
        f"log: {pip_log})")
    t = time.monotonic()
    run([venv_bin("python"), "-m", "pip", "install", "-q", "-c", LOCK_FILE,
         *packages], pip_log)
    log(f"install done in {time.monotonic() - t:.0f} s")


def apt_missing(packages):
    """The Debian packages (package -> a file it installs) not there."""
    return sorted(p for p, f in packages.items() if not os.path.exists(f))


def apt_install(packages):
    """apt-get install the missing Debian packages (as root); when that
    fails (package lists missing or stale), apt-get update and once more.
    The packages' scripts do not start their services here (policy-rc.d);
    minicloud runs its own copy on loopback."""
    missing = apt_missing(packages)
    if not missing:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise MinicloudError(
            f"Debian packages {', '.join(missing)} are missing and cannot "
            "be installed here (needs apt-get as root): install them first")
    os.makedirs(path("logs"), exist_ok=True)
    apt_log = path("logs", "apt-install.log")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log(f"apt-get install {' '.join(missing)} (log: {apt_log})")
    t = time.monotonic()
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends",
               *missing]
    try:
        run(install, apt_log, env=env, timeout=600)
    except MinicloudError:
        log("apt-get install failed: apt-get update, then once more")
        run(["apt-get", "update", "-q"], apt_log, env=env, timeout=600)
        run(install, apt_log, env=env, timeout=600)
    still = apt_missing(packages)
    if still:
        raise MinicloudError(f"apt-get installed {', '.join(still)} but "
                             f"their files are not there; see {apt_log}")
    log(f"apt install done in {time.monotonic() - t:.0f} s")
