"""Solum in the OpenStack dashboard (Horizon): a "Solum" panel group of
the Project dashboard with an Applications and a Language packs panel.

Enable it by copying (or linking) the files of ``solum_dashboard/enabled``
into Horizon's ``openstack_dashboard/local/enabled`` directory.
"""
