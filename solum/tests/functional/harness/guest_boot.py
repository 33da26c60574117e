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
"""The boot of one container host: its "init", as container_hosts.py
starts it: ``unshare --mount --propagation slave nsenter
--net=/run/netns/NS python3 guest_boot.py DISK USER_DATA``.

That gives this process the server's network namespace and a mount
namespace of its own (a slave of the host's: nothing mounted here shows
outside). Here the host's private ``DISK`` directory is mounted on
``/var/lib/solum`` (where the user_data keeps the downloaded image, so
that hosts booting at once do not share it), then the user_data runs with
``/bin/sh`` as cloud-init would run a script, and this process stays as
the guest's first process: the harness enters its namespaces (``nsenter
--target PID``) to stop the guest's containers, then ends it. Stdlib
only; no shell command is built here.
"""

import signal
import subprocess
import sys
import time


def main(disk, user_data):
    subprocess.run(['mount', '--bind', disk, '/var/lib/solum'], check=True)
    print('guest: user_data starts', flush=True)
    rc = subprocess.call(['/bin/sh', user_data])
    print('guest: user_data exited with %d' % rc, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)


if __name__ == '__main__':
    main(*sys.argv[1:3])
