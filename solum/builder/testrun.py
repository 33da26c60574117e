"""The unit-test stage's test run: ``test_cmd`` in a throw-away Podman
container of the candidate image."""

from solum import conf
from solum.builder import languagepacks
from solum.builder import process

CONF = conf.CONF

# podman run's exit status for its own failures (not the command's).
PODMAN_ERROR = 125


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
    cmd += ['--entrypoint', '["/bin/sh", "-c"]', image, test_cmd]
    result = None
    try:
        result = process.run(cmd, log=log, timeout=timeout, check=False)
    finally:
        # A killed client (or podman's own error, 125) may leave its
        # container behind: make sure. A run that ended was removed by
        # --rm (a second podman call cost 0.1-0.2 s of every build).
        if result is None or result.returncode == PODMAN_ERROR:
            process.run(['podman', 'rm', '--force', '--ignore', '--time',
                         '0', name], check=False)
    return result.returncode
