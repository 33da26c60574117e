"""Solum's Tempest plugin (entry point ``tempest.test_plugins``:
``solum_tests``): API tests of every v1 resource and its error paths as
project member, reader and admin of two projects, and scenario tests that
deploy an app from a git repository. Configured by ``[service_available]
solum`` and the ``[solum]`` group (devstack/lib/solum writes both)."""
