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
"""The minicloud Keystone answers with the identities Solum's tests use."""

import unittest

from solum.tests.functional.harness import keystone


class KeystoneHarnessTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ks = keystone.ensure_keystone()

    def _roles(self, user, project):
        token = keystone.get_token(user, project)
        info = keystone.validate_token(token)
        self.assertEqual(project, info["project"]["name"])
        self.assertEqual(user, info["user"]["name"])
        return {r["name"] for r in info["roles"]}

    def test_fixtures_file(self):
        self.assertEqual("http://127.0.0.1:5000/v3", self.ks["auth_url"])
        self.assertEqual({"admin", "service", "solum-test-a",
                          "solum-test-b"}, set(self.ks["projects"]))
        self.assertEqual({"alice", "bob", "rita"}, set(self.ks["users"]))
        self.assertEqual("solum", self.ks["service_user"]["name"])

    def test_alice_is_member_of_a(self):
        roles = self._roles("alice", "solum-test-a")
        self.assertIn("member", roles)
        self.assertNotIn("admin", roles)

    def test_rita_is_reader_of_a(self):
        roles = self._roles("rita", "solum-test-a")
        self.assertIn("reader", roles)
        self.assertNotIn("member", roles)

    def test_bob_has_no_role_on_a(self):
        with self.assertRaises(keystone.TokenError) as cm:
            keystone.get_token("bob", "solum-test-a")
        self.assertEqual(401, cm.exception.status_code)
        self.assertIn("member", self._roles("bob", "solum-test-b"))

    def test_service_user(self):
        roles = self._roles("solum", "service")
        self.assertTrue({"service", "admin"} <= roles, roles)

    def test_catalog_has_solum(self):
        token = keystone.get_token("alice")
        info = keystone.validate_token(token)
        solum = [s for s in info["catalog"]
                 if s["type"] == "application_deployment"]
        self.assertEqual(1, len(solum))
        self.assertEqual("solum", solum[0]["name"])
        # The harness's region only: the DevStack plugin's test registers
        # (and removes) endpoints in a region of its own meanwhile.
        urls = {(e["interface"], e["url"], e["region_id"])
                for e in solum[0]["endpoints"]
                if e["region_id"] == "RegionOne"}
        self.assertEqual({("public", "http://127.0.0.1:9777", "RegionOne"),
                          ("internal", "http://127.0.0.1:9777", "RegionOne")},
                         urls)
