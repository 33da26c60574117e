"""The bundled Python sample (examples/python-hello) as a git repository
whose app answers a greeting of the caller's, for tests and benchmarks
that deploy a new release by committing a change."""

import os
import shutil
import subprocess

PYTHON_SAMPLE = os.path.normpath(os.path.join(
    os.path.dirname(__file__), '..', '..', '..', 'examples', 'python-hello'))
GREETING = "'Hello from Solum'"


def commit_python_sample(repo, greeting, requirements_note=None):
    """Commit to ``repo`` (made from the sample the first time) the sample
    answering ``greeting``; with ``requirements_note``, a changed
    requirements.txt too (a cold build of the dependencies). Returns the
    repository's file:// URL."""
    if not os.path.isdir(repo):
        shutil.copytree(PYTHON_SAMPLE, repo)
        subprocess.run(['git', 'init', '-q', '-b', 'main', repo], check=True)
    with open(os.path.join(PYTHON_SAMPLE, 'app.py')) as f:
        code = f.read()
    with open(os.path.join(repo, 'app.py'), 'w') as f:
        f.write(code.replace(GREETING, repr(greeting)))
    if requirements_note:
        with open(os.path.join(PYTHON_SAMPLE, 'requirements.txt')) as f:
            text = f.read()
        with open(os.path.join(repo, 'requirements.txt'), 'w') as f:
            f.write(text + '# %s\n' % requirements_note)
    subprocess.run(['git', '-C', repo, 'add', '-A'], check=True)
    subprocess.run(['git', '-C', repo, '-c', 'user.name=solum-tests', '-c',
                    'user.email=solum-tests@localhost', 'commit', '-q',
                    '-m', greeting], check=True)
    return 'file://' + repo
