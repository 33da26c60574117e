"""The unit-test stage's test run: ``test_cmd`` in a throw-away Podman
container of the candidate image."""

from solum import conf
from solum.builder import languagepacks
from solum.builder import process

CONF = conf.CONF


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
    try:
        result = process.run(cmd, log=log, timeout=timeout, check=False)
    finally:
        # A killed client leaves its container running: make sure.
        process.run(['podman', 'rm', '--force', '--ignore', '--time', '0',
                     name], check=False)
    return result.returncode
