"""solum-status upgrade check: is this installation ready to run?"""

import sys

from cryptography import fernet
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck

from solum import conf
from solum.api import policy
from solum.builder import netfilter
from solum.common import redact
from solum.common import rpc
from solum.common import service
from solum.db import migration

CONF = conf.CONF
Code = upgradecheck.Code
Result = upgradecheck.Result


class Checks(upgradecheck.UpgradeCommands):

    def _check_schema(self):
        try:
            current = migration.version()
        except Exception as e:
            return Result(Code.FAILURE,
                          'Cannot read the database: %s' % e)
        head = migration.head()
        if current != head:
            return Result(Code.FAILURE,
                          'Database schema is at %s, code expects %s: run '
                          '"solum-db-manage upgrade".' % (current, head))
        return Result(Code.SUCCESS)

    def _check_policy(self):
        enforcer = policy.get_enforcer()
        try:
            enforcer.load_rules(force_reload=True)
        except Exception as e:
            return Result(Code.FAILURE, 'Policy file is invalid: %s' % e)
        known = {rule.name for rule in enforcer.registered_rules.values()}
        unknown = sorted(set(enforcer.file_rules) - known)
        if unknown:
            return Result(Code.WARNING,
                          'Policy file sets rules Solum does not know: %s' %
                          ', '.join(unknown))
        return Result(Code.SUCCESS)

    def _check_config(self):
        problems = []
        if (CONF.auth_strategy == 'noauth' and
                not service.is_loopback(CONF.api.host)):
            problems.append('auth_strategy = noauth needs [api] host on '
                            'loopback, not %s' % CONF.api.host)
        keys = ([CONF.security.secret_key] if CONF.security.secret_key
                else []) + list(CONF.security.old_secret_keys)
        for key in keys:
            try:
                fernet.Fernet(key.encode())
            except (ValueError, TypeError):
                problems.append('[security] keys must be Fernet keys '
                                '(urlsafe base64 of 32 bytes)')
        problems.extend(self._transport_problems())
        try:
            netfilter.parse(CONF.builder.build_network_deny)
        except netfilter.FilterError as e:
            problems.append(str(e))
        if problems:
            return Result(Code.FAILURE, '; '.join(problems))
        return Result(Code.SUCCESS)

    @staticmethod
    def _transport_problems():
        try:
            rpc.get_transport()  # registers and parses transport_url
        except Exception as e:
            # A check reports a broken setting; it does not crash on it.
            # The error may quote the URL: never its password.
            reason = redact.url_credentials(str(e))
            return ['transport_url cannot be used (%s); give one like '
                    'rabbit://user:password@host:5672/' % reason]
        if CONF.rpc_transport == 'messaging' and not CONF.transport_url:
            return ['rpc_transport = messaging needs transport_url (e.g. '
                    'rabbit://...)']
        return []

    _upgrade_checks = (
        ('Database schema', _check_schema),
        ('Policy file', _check_policy),
        ('Configuration', _check_config),
        ('Policy file format',
         (common_checks.check_policy_json, {'conf': CONF})),
    )


def main():
    return upgradecheck.main(CONF, project='solum', upgrade_command=Checks())


if __name__ == '__main__':
    sys.exit(main())
