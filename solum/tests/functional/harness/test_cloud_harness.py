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
"""Smoke tests of the minicloud services Solum's Heat deployer uses.

Real Glance, Heat and Nova (fake virt driver) on 127.0.0.1, driven by the
real clients as alice (member + heat_stack_owner of solum-test-a). They
skip only when MariaDB or RabbitMQ is not reachable.
"""

import hashlib
import io
import os
import time
import unittest
import uuid

import requests
from heatclient import exc as heat_exc

from solum.tests.functional.harness import cloud
from solum.tests.functional.harness import keystone

USER = "alice"

ASG_TEMPLATE = """
heat_template_version: 2021-04-16
description: minicloud smoke test - scaling group of fake Nova servers
parameters:
  image: {type: string}
  flavor: {type: string}
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 4
      desired_capacity: 1
      resource:
        type: OS::Nova::Server
        properties:
          image: {get_param: image}
          flavor: {get_param: flavor}
          networks: [{allocate_network: none}]
          user_data_format: RAW
  scale_up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: 1
      cooldown: 0
outputs:
  size: {value: {get_attr: [asg, current_size]}}
  servers: {value: {get_attr: [asg, refs]}}
  signal_url: {value: {get_attr: [scale_up, signal_url]}}
  alarm_url: {value: {get_attr: [scale_up, alarm_url]}}
"""

VALID_TEMPLATE = """
heat_template_version: 2021-04-16
description: validated only
parameters:
  flavor: {type: string, default: m1.tiny}
  port: {type: number, default: 8080, constraints: [{range: {min: 1}}]}
resources:
  secret:
    type: OS::Heat::RandomString
    properties: {length: 8}
outputs:
  value: {value: {get_attr: [secret, value]}}
"""

CATALOG_ONLY_TEMPLATE = """
heat_template_version: 2021-04-16
parameters:
  subnet: {type: string}
resources:
  lb:
    type: OS::Octavia::LoadBalancer
    properties: {vip_subnet: {get_param: subnet}}
  container:
    type: OS::Zun::Container
    properties: {image: nginx}
"""


def _cloud(services):
    try:
        return cloud.ensure_cloud(services)
    except cloud.CloudUnavailable as e:
        raise unittest.SkipTest(str(e)) from None


class GlanceHarnessTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cloud = _cloud(["glance"])
        cls.glance = cloud.glance(USER)

    def test_fixture_image(self):
        fixture = self.cloud["images"]["solum-container-host"]
        image = self.glance.images.get(fixture["id"])
        self.assertEqual("active", image.status)
        self.assertEqual("public", image.visibility)
        self.assertEqual("raw", image.disk_format)

    def test_docker_image_roundtrip(self):
        data = os.urandom(1024 * 1024 + 17)  # a small "docker save" tarball
        image = self.glance.images.create(
            name=f"minicloud-smoke-{uuid.uuid4().hex[:8]}",
            container_format="docker", disk_format="raw",
            visibility="private")
        self.addCleanup(self._delete, image.id)
        self.glance.images.upload(image.id, io.BytesIO(data))
        image = self.glance.images.get(image.id)
        self.assertEqual("active", image.status)
        self.assertEqual(len(data), image.size)
        self.assertEqual("docker", image.container_format)
        back = b"".join(self.glance.images.data(image.id))
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         hashlib.sha256(back).hexdigest())
        # bob (another project) does not see alice's private image
        self.assertNotIn(image.id,
                         [i.id for i in cloud.glance("bob").images.list()])
        self.glance.images.delete(image.id)
        self.assertEqual("deleted", self._status(image.id))

    def _status(self, image_id):
        try:
            return self.glance.images.get(image_id).status
        except Exception as e:  # glanceclient raises HTTPNotFound
            if getattr(e, "code", None) == 404:
                return "deleted"
            raise

    def _delete(self, image_id):
        if self._status(image_id) != "deleted":
            self.glance.images.delete(image_id)


class HeatHarnessTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cloud = _cloud(["glance", "nova", "heat"])
        cls.heat = cloud.heat(USER)
        cls.nova = cloud.nova(USER)

    def test_template_validate(self):
        result = self.heat.stacks.validate(template=VALID_TEMPLATE)
        self.assertEqual("validated only", result["Description"])
        self.assertEqual({"flavor", "port"}, set(result["Parameters"]))
        bad = VALID_TEMPLATE.replace("OS::Heat::RandomString",
                                     "OS::No::SuchType")
        with self.assertRaises(heat_exc.HTTPBadRequest) as cm:
            self.heat.stacks.validate(template=bad)
        self.assertIn("OS::No::SuchType", str(cm.exception))

    def test_validate_octavia_and_zun(self):
        # Neither runs here, but both are in the catalog (no listener) so
        # that Heat validates templates that use them.
        result = self.heat.stacks.validate(template=CATALOG_ONLY_TEMPLATE)
        self.assertEqual({"subnet"}, set(result["Parameters"]))

    def test_stack_through_a_trust(self):
        # What Solum's deployer does once the user's token is gone: the
        # solum service user, with a token scoped to alice's trust, asks
        # Heat for a stack. Heat then creates its own trust from that
        # token (a redelegation): the user's trust must allow
        # redelegation and hold every role of a token scoped to it,
        # implied ones too (member implies reader), or Heat answers 500
        # (keystone: "Some of requested roles are not in redelegated
        # trust").
        ks = self.cloud["keystone"]
        alice = cloud.session(USER)
        r = alice.post(f"{ks['auth_url']}/OS-TRUST/trusts", json={"trust": {
            "trustor_user_id": ks["users"][USER]["id"],
            "trustee_user_id": ks["service_user"]["id"],
            "project_id": ks["users"][USER]["project_id"],
            "impersonation": True, "allow_redelegation": True,
            "roles": [{"name": "member"}, {"name": "reader"}]}})
        trust_id = r.json()["trust"]["id"]
        self.addCleanup(alice.delete, f"{ks['auth_url']}/OS-TRUST/trusts/"
                        f"{trust_id}", raise_exc=False)
        heat = cloud.heat_through_trust(trust_id)
        resp = heat.stacks.create(
            stack_name=f"minicloud-trust-{uuid.uuid4().hex[:8]}",
            template=VALID_TEMPLATE)
        stack_id = resp["stack"]["id"]
        self.addCleanup(self._delete, stack_id)
        self._wait(stack_id, "CREATE_COMPLETE")
        # the stack is alice's: she sees it with her own token
        self.assertEqual(1, len(self.heat.resources.list(stack_id)))

    def test_scaling_group_of_servers(self):
        name = f"minicloud-smoke-{uuid.uuid4().hex[:8]}"
        image = self.cloud["images"]["solum-container-host"]["id"]
        resp = self.heat.stacks.create(
            stack_name=name, template=ASG_TEMPLATE,
            parameters={"image": image, "flavor": "m1.tiny"})
        stack_id = resp["stack"]["id"]
        self.addCleanup(self._delete, stack_id)
        stack = self._wait(stack_id, "CREATE_COMPLETE")
        out = self._outputs(stack)
        self.assertEqual(1, out["size"])
        self._assert_servers_active(out["servers"])

        # what an alarm does: POST to the policy's signal_url
        token = keystone.get_token(USER)
        r = requests.post(out["signal_url"], timeout=60,
                          headers={"X-Auth-Token": token})
        self.assertIn(r.status_code, (200, 204), r.text)
        self._wait_scaled(stack_id, 2)
        out = self._outputs(self.heat.stacks.get(stack_id))
        self.assertEqual(2, out["size"])
        self._assert_servers_active(out["servers"])

        # the presigned (heat-api-cfn) alarm_url needs no token at all
        r = requests.post(out["alarm_url"], timeout=60)
        self.assertEqual(200, r.status_code, r.text)
        self._wait_scaled(stack_id, 3)

        # and the client's resource signal
        self.heat.resources.signal(stack_id, "scale_up")
        self._wait_scaled(stack_id, 4)

        self.heat.stacks.delete(stack_id)
        self._wait_gone(stack_id)
        names = [s.name for s in self.nova.servers.list()]
        self.assertFalse([n for n in names if n.startswith(name)], names)

    # -- helpers
    def _outputs(self, stack):
        return {o["output_key"]: o["output_value"] for o in stack.outputs}

    def _assert_servers_active(self, server_ids):
        for sid in server_ids:
            server = self.nova.servers.get(sid)
            self.assertEqual("ACTIVE", server.status)
            self.assertEqual({}, server.addresses)

    def _wait(self, stack_id, want, timeout=180):
        deadline = time.monotonic() + timeout
        while True:
            stack = self.heat.stacks.get(stack_id)
            if stack.stack_status == want:
                return stack
            if stack.stack_status.endswith("FAILED"):
                self.fail(f"{stack.stack_status}: "
                          f"{stack.stack_status_reason}")
            if time.monotonic() > deadline:
                self.fail(f"stack still {stack.stack_status} after "
                          f"{timeout} s")
            time.sleep(0.5)

    def _wait_scaled(self, stack_id, size, timeout=180):
        # A signal sent while the group still scales is dropped: wait for
        # the size *and* for scaling_in_progress to clear.
        deadline = time.monotonic() + timeout
        while True:
            nested = self.heat.resources.get(
                stack_id, "asg").physical_resource_id
            members = self.heat.resources.list(nested)
            meta = self.heat.resources.metadata(stack_id, "asg") or {}
            status = self.heat.stacks.get(nested).stack_status
            if (len(members) == size and not meta.get("scaling_in_progress")
                    and status.endswith("COMPLETE")):
                return
            if status.endswith("FAILED"):
                self.fail(f"scaling group {status}")
            if time.monotonic() > deadline:
                self.fail(f"group has {len(members)} members ({status}), "
                          f"want {size}")
            time.sleep(0.5)

    def _wait_gone(self, stack_id, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                stack = self.heat.stacks.get(stack_id)
            except heat_exc.HTTPNotFound:
                return
            if stack.stack_status == "DELETE_COMPLETE":
                return
            if stack.stack_status == "DELETE_FAILED":
                self.fail(stack.stack_status_reason)
            time.sleep(0.5)
        self.fail(f"stack {stack_id} not deleted after {timeout} s")

    def _delete(self, stack_id):
        try:
            self.heat.stacks.delete(stack_id)
            self._wait_gone(stack_id)
        except heat_exc.HTTPNotFound:
            pass


class AodhHarnessTest(unittest.TestCase):
    """Aodh answers with keystone auth; alarms are the user's own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cloud = _cloud(["aodh"])
        cls.url = cls.cloud["endpoints"]["alarming"] + "/v2/alarms"

    def test_event_alarm_crud(self):
        headers = {"X-Auth-Token": keystone.get_token(USER)}
        r = requests.post(self.url, headers=headers, timeout=30, json={
            "name": f"minicloud-smoke-{uuid.uuid4().hex[:8]}",
            "type": "event",
            "event_rule": {"event_type": "compute.instance.update"},
            "alarm_actions": ["http://127.0.0.1:9/"]})
        self.assertEqual(201, r.status_code, r.text)
        alarm_id = r.json()["alarm_id"]
        bob = {"X-Auth-Token": keystone.get_token("bob")}
        r = requests.get(f"{self.url}/{alarm_id}", headers=bob, timeout=30)
        self.assertEqual(404, r.status_code, r.text)
        r = requests.delete(f"{self.url}/{alarm_id}", headers=headers,
                            timeout=30)
        self.assertEqual(204, r.status_code, r.text)


class PrometheusHarnessTest(unittest.TestCase):
    """Prometheus scrapes the Pushgateway; Aodh's evaluator reads it
    through the catalog's metric-storage endpoint, limited to the alarm
    owner's project."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cloud = _cloud(["aodh"])
        cls.alarms = cls.cloud["endpoints"]["alarming"] + "/v2/alarms"

    def setUp(self):
        self.probe = uuid.uuid4().hex[:12]
        self.job = f"minicloud-smoke-{self.probe}"
        self.project = keystone.ensure_keystone()["users"][USER][
            "project_id"]
        self.addCleanup(cloud.delete_metrics, self.job)

    def push(self, value, project=None):
        cloud.push_metrics(self.job, (
            "# TYPE minicloud_smoke gauge\n"
            f'minicloud_smoke{{probe="{self.probe}",'
            f'project="{project or self.project}"}} {value}\n'))

    def wait(self, predicate, what, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what} (last: {value!r})")
            time.sleep(0.3)

    def test_pushed_sample_is_queryable(self):
        self.assertEqual(self.cloud["prometheus"]["url"],
                         self.cloud["endpoints"]["metric-storage"])
        self.push(42)
        found = self.wait(lambda: cloud.prometheus_query(
            f'minicloud_smoke{{probe="{self.probe}"}}'), "the sample")
        (labels, value), = found
        self.assertEqual((42.0, self.project, self.job),
                         (value, labels["project"], labels["job"]))

    def smoke_alarm(self, user):
        """The same Prometheus alarm, owned by ``user``'s project; returns
        a function giving its state."""
        headers = {"X-Auth-Token": keystone.get_token(user)}
        r = requests.post(self.alarms, headers=headers, timeout=30, json={
            "name": f"minicloud-smoke-{self.probe}", "type": "prometheus",
            "prometheus_rule": {
                "query": f"max(minicloud_smoke{{probe='{self.probe}'}})",
                "threshold": 10, "comparison_operator": "gt"},
            "alarm_actions": ["http://127.0.0.1:9/"]})
        self.assertEqual(201, r.status_code, r.text)
        alarm_id = r.json()["alarm_id"]
        self.addCleanup(requests.delete, f"{self.alarms}/{alarm_id}",
                        headers=headers, timeout=30)
        return lambda: requests.get(f"{self.alarms}/{alarm_id}",
                                    headers=headers,
                                    timeout=30).json()["state"]

    def test_prometheus_alarm_is_evaluated_in_its_project(self):
        state = self.smoke_alarm(USER)
        bobs_state = self.smoke_alarm("bob")
        # another project's sample over the threshold is not alice's
        other = keystone.ensure_keystone()["users"]["bob"]["project_id"]
        self.push(99, project=other)
        self.wait(lambda: cloud.prometheus_query(
            f'minicloud_smoke{{probe="{self.probe}"}}'), "bob's sample")
        # bob's alarm fires on it: the evaluator has evaluated since
        self.wait(lambda: bobs_state() == "alarm", "bob's alarm to fire")
        interval = self.cloud["aodh"]["evaluation_interval"]
        time.sleep(3 * interval)
        self.assertEqual("insufficient data", state())
        # alice's own sample: the evaluator fires the alarm
        self.push(42)
        self.wait(lambda: state() == "alarm", "the alarm to fire")
