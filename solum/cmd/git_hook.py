"""The pre-receive and post-receive hooks of every app repository.

git receive-pack runs them inside the git http-backend that the API
started for a push (solum.api.git_http); they relay the push (ref
updates, quarantine directories, push options) to that API request over
the Unix socket it named in SOLUM_PUSH_SOCKET, print what it answers
(git shows the lines as "remote: ...") and exit with the status it
chooses. All decisions are the API's: this file stays standard library
only, so that a hook starts in milliseconds.
"""

import json
import os
import socket
import sys

# Hook environment the API needs to see the pushed objects before they
# are accepted (git's quarantine).
_PASSED_ENV = ('GIT_QUARANTINE_PATH', 'GIT_OBJECT_DIRECTORY',
               'GIT_ALTERNATE_OBJECT_DIRECTORIES')


def _updates(stream):
    updates = []
    for line in stream:
        parts = line.split()
        if len(parts) == 3:
            updates.append(parts)
    return updates


def _push_options():
    try:
        count = int(os.environ.get('GIT_PUSH_OPTION_COUNT', '0'))
    except ValueError:
        count = 0
    return [os.environ.get('GIT_PUSH_OPTION_%d' % i, '')
            for i in range(count)]


def main():
    hook = os.path.basename(sys.argv[0])
    address = os.environ.get('SOLUM_PUSH_SOCKET')
    if not address:
        print('solum: push through the app\'s git remote '
              '(/v1/apps/<app>/git); this repository is Solum\'s own')
        sys.exit(1 if hook == 'pre-receive' else 0)
    message = {
        'nonce': os.environ.get('SOLUM_PUSH_NONCE', ''),
        'hook': hook,
        'updates': _updates(sys.stdin),
        'env': {k: os.environ[k] for k in _PASSED_ENV if k in os.environ},
        'push_options': _push_options(),
    }
    status = 1
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(address)
        conn.sendall(json.dumps(message).encode() + b'\n')
        for raw in conn.makefile('rb'):
            answer = json.loads(raw)
            if 'out' in answer:
                sys.stdout.write(answer['out'] + '\n')
                sys.stdout.flush()
            if 'exit' in answer:
                status = answer['exit']
                break
    sys.exit(status)


if __name__ == '__main__':
    main()
