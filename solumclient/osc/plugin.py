"""OpenStackClient plugin: `openstack app ...` and
`openstack languagepack ...`."""

from osc_lib import utils

from solumclient import client as solum_client

API_NAME = 'application_deployment'
API_VERSION_OPTION = 'os_application_deployment_api_version'
DEFAULT_API_VERSION = '1'
API_VERSIONS = {'1': 'solumclient.client.Client'}


def make_client(instance):
    endpoint = instance.get_endpoint_for_service_type(
        solum_client.SERVICE_TYPE, region_name=instance.region_name,
        interface=instance.interface)
    return solum_client.Client(session=instance.session, endpoint=endpoint,
                               interface=instance.interface,
                               region_name=instance.region_name)


def build_option_parser(parser):
    parser.add_argument(
        '--os-application-deployment-api-version',
        metavar='<version>',
        default=utils.env('OS_APPLICATION_DEPLOYMENT_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='Solum API version (default: 1)')
    return parser
