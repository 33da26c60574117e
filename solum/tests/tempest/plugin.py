"""Tempest's entry point into the plugin."""

import os

from tempest.test_discover import plugins

from solum.tests.tempest import config as solum_config


class SolumTempestPlugin(plugins.TempestPlugin):

    def load_tests(self):
        # (directory of the tests, top level directory of the import)
        here = os.path.dirname(os.path.abspath(__file__))
        top = os.path.dirname(os.path.dirname(os.path.dirname(here)))
        return here, top

    def register_opts(self, conf):
        conf.register_opt(solum_config.service_option,
                          group='service_available')
        conf.register_group(solum_config.solum_group)
        conf.register_opts(solum_config.solum_opts,
                           group=solum_config.solum_group.name)

    def get_opt_lists(self):
        return [(solum_config.solum_group.name, solum_config.solum_opts),
                ('service_available', [solum_config.service_option])]
