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
"""Octavia's no-op network driver, with the VIP's network always plugged.

Installed into the minicloud's venv by tools/minicloud (cloud/octavia.py)
as the octavia-worker's network driver ``minicloud_noop``. Octavia's own
no-op driver only knows the networks it plugged itself; with the VIP
port allocated by the API (the real Neutron driver there), the worker's
CalculateDelta finds the VIP's network unplugged once a pool's last
member goes, and fails the member's delete (KeyError on the network).
A real amphora always has its VIP network plugged: this driver says so.
"""

from octavia.common import constants
from octavia.db import api as db_apis
from octavia.db import repositories
from octavia.network import data_models
from octavia.network.drivers.noop_driver import driver


class VipPluggedNoopNetworkDriver(driver.NoopNetworkDriver):

    def get_plugged_networks(self, compute_id):
        interfaces = super().get_plugged_networks(compute_id)
        session = db_apis.get_session()
        with session.begin():
            amp = repositories.AmphoraRepository().get(
                session, compute_id=compute_id)
            lb = amp.load_balancer if amp is not None else None
            vip = lb.vip if lb is not None else None
            if vip is None or not vip.network_id:
                return interfaces
            network_id, subnet_id = vip.network_id, vip.subnet_id
            ip_address, port_id = vip.ip_address, vip.port_id
        if all(i.network_id != network_id for i in interfaces):
            interfaces.append(data_models.Interface(
                compute_id=compute_id, network_id=network_id,
                port_id=port_id, vnic_type=constants.VNIC_TYPE_NORMAL,
                fixed_ips=[data_models.FixedIP(subnet_id=subnet_id,
                                               ip_address=ip_address)]))
        return interfaces
