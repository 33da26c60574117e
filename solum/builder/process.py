"""Run the builder's external commands: argument lists only, never a shell.

Every line a command prints goes to a ``log`` callable as it comes (the
builder passes a StageLog writer), the command runs in its own process
group so a timeout kills everything it started, and the last lines are
kept for the reason of a failure.
"""

import os
import shlex
import signal
import subprocess
import threading
import time

TAIL_LINES = 60


class CommandError(Exception):
    """A command could not run, failed, or took too long."""

    def __init__(self, message, returncode=None, tail=None, timed_out=False):
        super().__init__(message)
        self.returncode = returncode
        self.tail = tail or []
        self.timed_out = timed_out


class Result:
    def __init__(self, returncode, tail, seconds):
        self.returncode = returncode
        self.tail = tail
        self.seconds = seconds


# Seconds a timed-out command gets to clean up after SIGTERM (buildah
# removes its working container) before SIGKILL.
TERM_GRACE = 10


def _kill_group(proc, sig=signal.SIGKILL):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stop_group(proc):
    _kill_group(proc, signal.SIGTERM)
    try:
        proc.wait(TERM_GRACE)
    except subprocess.TimeoutExpired:
        pass
    _kill_group(proc)


def run(cmd, log=None, env=None, cwd=None, timeout=None, check=True,
        show=None, watchdog=None, watchdog_interval=1.0, preexec_fn=None,
        finish=None):
    """Run ``cmd`` (a list), streaming its output to ``log`` line by line.

    ``show`` replaces the command line written to the log (to keep secrets
    out of it).  ``watchdog`` is called every ``watchdog_interval`` seconds
    while the command runs; when it returns a message the command is killed
    and CommandError(message) raised.  Returns a Result; with ``check`` a
    non-zero exit raises CommandError.  ``preexec_fn`` runs in the child
    before exec (solum.builder.cgroups joins the build cgroup there).

    ``finish(line)`` may end the wait before the command exits: when it
    returns ``(status, text)`` for a line, ``text`` (if any) is logged in
    its place and ``status`` is the Result's return code; the command is
    left to end in the background (its output read and dropped, reaped,
    still killed at ``timeout``).
    """
    if not isinstance(cmd, (list, tuple)) or not cmd:
        raise TypeError('commands are argument lists')
    cmd = [str(c) for c in cmd]
    log = log or (lambda line: None)
    log('$ ' + (show if show is not None else shlex.join(cmd)))
    started = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd,
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                start_new_session=True,
                                preexec_fn=preexec_fn)
    except (OSError, subprocess.SubprocessError) as e:
        raise CommandError('cannot run %s: %s' % (
            cmd[0], getattr(e, 'strerror', None) or e))
    killed = {}
    done = threading.Event()

    def _guard():
        while not done.wait(watchdog_interval if watchdog else 0.2):
            if timeout and time.monotonic() - started > timeout:
                killed['timeout'] = True
                _stop_group(proc)
                return
            if watchdog:
                message = watchdog()
                if message:
                    killed['watchdog'] = message
                    _stop_group(proc)
                    return

    guard = None
    if timeout or watchdog:
        guard = threading.Thread(target=_guard, daemon=True,
                                 name='solum-cmd-guard')
        guard.start()
    tail = []
    finished = None
    try:
        for raw in proc.stdout:
            line = raw.decode('utf-8', errors='replace').rstrip('\r\n')
            finished = finish(line) if finish is not None else None
            if finished is not None:
                line = finished[1]
                if not line:
                    break
            log(line)
            tail.append(line)
            if len(tail) > TAIL_LINES:
                del tail[0]
            if finished is not None:
                break
        if finished is None:
            proc.wait()
    finally:
        if finished is not None:
            threading.Thread(target=_end_in_background, args=(proc, done),
                             daemon=True, name='solum-cmd-end').start()
        else:
            _end(proc, done)
    seconds = time.monotonic() - started
    if finished is not None:
        return Result(finished[0], tail, seconds)
    name = os.path.basename(cmd[0])
    if killed.get('timeout'):
        raise CommandError('%s timed out after %d s' % (name, timeout),
                           returncode=proc.returncode, tail=tail,
                           timed_out=True)
    if killed.get('watchdog'):
        raise CommandError(killed['watchdog'], returncode=proc.returncode,
                           tail=tail)
    if check and proc.returncode != 0:
        raise CommandError('%s exited %d' % (name, proc.returncode),
                           returncode=proc.returncode, tail=tail)
    return Result(proc.returncode, tail, seconds)


def _end(proc, done):
    done.set()
    if proc.poll() is None:
        _kill_group(proc)
        proc.wait()
    proc.stdout.close()
    # Children left behind in the group (a daemon the command forked).
    _kill_group(proc)


def _end_in_background(proc, done):
    """A command whose caller stopped waiting (run's ``finish``): read
    its output to the end, then reap it."""
    try:
        for _raw in proc.stdout:
            pass
        proc.wait()
    finally:
        _end(proc, done)


def kill_until_gone(pids_left, timeout, interval=0.02):
    """SIGKILL the processes ``pids_left()`` names until it names none or
    ``timeout`` seconds have passed; returns those that survived."""
    deadline = time.monotonic() + timeout
    while True:
        pids = pids_left()
        if not pids:
            return []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if time.monotonic() > deadline:
            return sorted(pids)
        time.sleep(interval)


def output(cmd, env=None, cwd=None, timeout=60):
    """Run a short command and return its stdout (stderr is kept apart)."""
    try:
        result = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd,
                                stdin=subprocess.DEVNULL,
                                capture_output=True, text=True,
                                errors='replace', timeout=timeout,
                                check=False)
    except OSError as e:
        raise CommandError('cannot run %s: %s' % (cmd[0], e.strerror))
    except subprocess.TimeoutExpired:
        raise CommandError('%s timed out after %d s' %
                           (os.path.basename(cmd[0]), timeout),
                           timed_out=True)
    if result.returncode != 0:
        raise CommandError('%s exited %d: %s' % (
            os.path.basename(cmd[0]), result.returncode,
            result.stderr.strip()[-500:]), returncode=result.returncode,
            tail=result.stderr.splitlines()[-TAIL_LINES:])
    return result.stdout
