"""solum-db-manage: upgrade, version, revision."""

import sys

from oslo_config import cfg

from solum import conf
from solum.common import service
from solum.db import migration

CONF = conf.CONF


def _upgrade():
    migration.upgrade(CONF.command.revision)
    print('Database at revision %s' % migration.version())


def _version():
    print(migration.version() or 'None (no schema yet)')


def _revision():
    migration.revision(CONF.command.message,
                       autogenerate=CONF.command.autogenerate)


def _add_commands(subparsers):
    parser = subparsers.add_parser('upgrade', help='Upgrade the schema.')
    parser.add_argument('revision', nargs='?', default='head')
    parser.set_defaults(func=_upgrade)
    parser = subparsers.add_parser('version',
                                   help='Print the schema revision.')
    parser.set_defaults(func=_version)
    parser = subparsers.add_parser('revision',
                                   help='Create a new migration.')
    parser.add_argument('-m', '--message', required=True)
    parser.add_argument('--autogenerate', action='store_true')
    parser.set_defaults(func=_revision)


def main():
    CONF.register_cli_opt(cfg.SubCommandOpt('command', handler=_add_commands,
                                            title='Commands'))
    service.prepare()
    try:
        CONF.command.func()
    except Exception as e:
        sys.exit('solum-db-manage %s failed: %s' % (CONF.command.name, e))
