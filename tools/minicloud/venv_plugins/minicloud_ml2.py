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
"""ML2 mechanism driver ``minicloud_bindall``: binds every port.

The minicloud runs Neutron without agents, so no real mechanism driver
can bind a port and Nova fails every server on a network
(PortBindingFailed). This one binds each port to its first segment with
the plain ``other`` VIF type and marks it ACTIVE: Nova's fake virt driver
plugs nothing, and the test harness that stands in for the hypervisor
(solum/tests/functional/harness/container_hosts.py) gives each server's
address to a network namespace of its own.

Not part of minicloud's stdlib-only package: ``minicloud.py up neutron``
copies this file into the minicloud venv with a dist-info whose entry
point registers it for stevedore (``neutron.ml2.mechanism_drivers``).
"""

from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class BindAllMechanismDriver(api.MechanismDriver):

    def initialize(self):
        pass

    @property
    def connectivity(self):
        # l2: also ports without a fixed IP can be bound
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OTHER,
                                {}, status="ACTIVE")
            return
