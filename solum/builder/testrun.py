"""The unit-test stage's test run: ``test_cmd`` in a throw-away Podman
container of the candidate image."""

import secrets
import shlex

from solum import conf
from solum.builder import languagepacks
from solum.builder import process

CONF = conf.CONF

# podman run's exit status for its own failures (not the command's).
PODMAN_ERROR = 125

# test_cmd runs under a wrapper that prints its exit status after a
# marker of this run ($2): when the tests passed, the stage goes on once
# the line arrives, while Podman tears the container down (0.1-0.2 s) in
# the background.
WRAPPER = 'sh -c "$1"; status=$?; echo; echo "$2$status"; exit $status'


def run_tests(image, test_cmd, name, log, env=None):
    """Run ``test_cmd`` in a throw-away container of ``image``.

    Returns the exit status; raises process.CommandError on a timeout (the
    container is removed either way).
    """
    timeout = CONF.builder.test_timeout
    cmd = ['podman', 'run', '--rm', '--name', name,
           '--network', CONF.builder.test_network,
           '--memory', CONF.builder.test_memory,
           '--pids-limit', str(CONF.builder.test_pids_limit),
           '--cpus', CONF.builder.test_cpus,
           '--user', languagepacks.USER,
           '--timeout', str(timeout + 5)]
    for key, value in sorted((env or {}).items()):
        cmd += ['--env', '%s=%s' % (key, value)]
    marker = 'solum-test-exit-%s:' % secrets.token_hex(8)
    cmd += ['--entrypoint', '["/bin/sh", "-c"]', image, WRAPPER,
            'solum-test', test_cmd, marker]
    ended = []

    def finish(line):
        # Only a pass ends the wait early: after a failure the candidate
        # is removed, which needs the container gone.
        if line != marker + '0':
            return None
        ended.append(True)
        return 0, None

    blank = []

    def log_line(line):
        # The wrapper's newline before the marker (the test's last line
        # may have none): held back until the next line shows it is not.
        # The marker line itself is never logged.
        if line.startswith(marker):
            blank.clear()
            return
        if blank:
            log(blank.pop())
        if line:
            log(line)
        else:
            blank.append(line)

    result = None
    try:
        result = process.run(cmd, log=log_line, timeout=timeout,
                             check=False, finish=finish, show=shlex.join(
                                 cmd[:-4] + [test_cmd]))
    finally:
        # A killed client (or podman's own error, 125) may leave its
        # container behind: make sure. A run that ended was removed by
        # --rm (a second podman call cost 0.1-0.2 s of every build).
        if result is None or (result.returncode == PODMAN_ERROR and
                              not ended):
            process.run(['podman', 'rm', '--force', '--ignore', '--time',
                         '0', name], check=False)
    return result.returncode
