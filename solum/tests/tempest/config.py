"""The plugin's options: [service_available] solum and [solum]."""

from oslo_config import cfg

service_available_group = cfg.OptGroup(
    name='service_available', title='Available OpenStack Services')

service_option = cfg.BoolOpt(
    'solum', default=False,
    help='Whether Solum (application_deployment) is expected to be '
         'available.')

solum_group = cfg.OptGroup(name='solum', title='Solum options')

solum_opts = [
    cfg.StrOpt('catalog_type', default='application_deployment',
               help='Catalog type of the Solum API.'),
    cfg.StrOpt('region', default='',
               help='Region of the Solum endpoints; empty: '
                    '[identity] region.'),
    cfg.StrOpt('endpoint_type', default='publicURL',
               choices=['public', 'admin', 'internal', 'publicURL',
                        'adminURL', 'internalURL'],
               help='Endpoint type of the Solum API.'),
    cfg.StrOpt('deployer_driver', default='heat', choices=['heat', 'local'],
               help='[deployer] driver of the Solum under test: what a '
                    'deployed app is (a Heat stack, or Podman containers '
                    'behind the local router).'),
    cfg.StrOpt('image_store', default='glance',
               choices=['glance', 'local', 'registry'],
               help='[builder] image_store of the Solum under test; with '
                    '"glance" the scenario checks the images in Glance.'),
    cfg.BoolOpt('apps_reachable', default=True,
                help='Whether a deployed app\'s URL answers HTTP from where '
                     'Tempest runs. False where the servers never really '
                     'boot (the heat driver on Nova\'s fake virt driver): '
                     'the tests that fetch an app\'s content then skip.'),
    cfg.IntOpt('build_timeout', default=600,
               help='Seconds a build and deploy workflow may take.'),
    cfg.IntOpt('build_interval', default=2,
               help='Seconds between two looks at a workflow.'),
]
