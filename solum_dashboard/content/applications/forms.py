import re

import yaml
from django.core import validators
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages

from solum.api import schemas
from solum_dashboard.api import solum
from solumclient import exceptions as solum_exc

# The git URLs the builder fetches: https (or http), ssh (scp-like or
# ssh://, with the app's deploy key) and file.
GIT_URL = re.compile(r'^(https?://\S+|ssh://\S+|file://\S+|'
                     r'[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)\Z')


def _is_ssh(url):
    return url.startswith('ssh://') or bool(
        re.match(r'^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:', url))


def parse_ports(text):
    ports = []
    for item in re.split(r'[\s,]+', text.strip()):
        if not item:
            continue
        try:
            port = int(item)
        except ValueError:
            raise forms.ValidationError(_('%s is not a port number') % item)
        if not 1 <= port <= 65535:
            raise forms.ValidationError(_('%d is not a port (1-65535)')
                                        % port)
        if port not in ports:
            ports.append(port)
    return ports


def parse_params(text):
    params = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        key, sep, value = line.partition('=')
        key = key.strip()
        if not sep or not re.match(schemas.ENV_NAME, key):
            raise forms.ValidationError(
                _('Line %(n)d: expected NAME=value with NAME a valid '
                  'environment variable name') % {'n': number})
        params[key] = value.strip()
    return params


class CreateAppForm(forms.SelfHandlingForm):
    app_file = forms.FileField(
        label=_('App file'), required=False,
        help_text=_('An app file (YAML or JSON: version, name, source, '
                    '...). The fields below, where given, override it.'))
    name = forms.RegexField(
        label=_('Name'), required=False, max_length=63,
        regex=schemas.APP_NAME, error_messages={
            'invalid': _('The name must be %s.') % schemas.NAME_RULE},
        help_text=_('Part of the app\'s URL: lowercase letters, digits, '
                    'hyphens.'))
    description = forms.CharField(label=_('Description'), required=False,
                                  max_length=1024)
    git_url = forms.CharField(
        label=_('Git repository'), required=False, max_length=1024,
        help_text=_('https://..., ssh://... or user@host:path (with a '
                    'deploy key), or file:///path'))
    revision = forms.CharField(
        label=_('Revision'), required=False, max_length=255,
        help_text=_('A branch, tag or commit (default: the repository\'s '
                    'default branch)'),
        validators=[validators.RegexValidator(
            schemas.REVISION, _('Not a branch, tag or commit name'))])
    private_ssh_key = forms.CharField(
        label=_('Deploy key'), required=False,
        widget=forms.Textarea(attrs={'rows': 3}),
        help_text=_('The private SSH key that may read the repository '
                    '(ssh URLs only); Solum keeps it encrypted and never '
                    'shows it again.'))
    languagepack = forms.ThemableChoiceField(label=_('Language pack'),
                                             required=False)
    run_cmd = forms.CharField(label=_('Run command'), required=False,
                              max_length=4096)
    test_cmd = forms.CharField(label=_('Test command'), required=False,
                               max_length=4096)
    ports = forms.CharField(label=_('Ports'), required=False,
                            help_text=_('e.g. 8080, 8081'))
    parameters = forms.CharField(
        label=_('Parameters'), required=False,
        widget=forms.Textarea(attrs={'rows': 3}),
        help_text=_('The app\'s environment: one NAME=value a line'))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        try:
            choices = solum.languagepack_choices(request)
        except solum_exc.ClientException as e:
            solum.handle(request, _('Unable to list language packs'), e)
            choices = solum.languagepack_choices_offline()
        self.fields['languagepack'].choices = [('', _('(from the app file, '
                                                      'or auto)'))] + choices

    def _document(self, upload):
        if not upload:
            return {}
        if upload.size > 1024 * 1024:
            raise forms.ValidationError(_('The app file is larger than '
                                          '1 MiB'))
        text = upload.read().decode('utf-8', 'replace')
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise forms.ValidationError(_('The app file is neither YAML '
                                          'nor JSON: %s') % e)
        if not isinstance(document, dict):
            raise forms.ValidationError(_('The app file must hold a '
                                          'mapping (version, name, ...)'))
        return document

    def clean(self):
        data = super().clean()
        try:
            document = self._document(data.get('app_file'))
        except forms.ValidationError as e:
            self.add_error('app_file', e)
            return data
        document.setdefault('version', 1)
        for field in ('name', 'description', 'languagepack'):
            if data.get(field):
                document[field] = data[field]
        if not document.get('name'):
            self.add_error('name', _('Give a name (or an app file that '
                                     'has one).'))
        document.setdefault('languagepack', 'auto')

        source = dict(document.get('source') or {})
        url = (data.get('git_url') or '').strip()
        if url:
            if not GIT_URL.match(url):
                self.add_error('git_url', _(
                    'Give an https://, ssh://, user@host:path or file:// '
                    'URL'))
            source['repository'] = url
        if data.get('revision'):
            source['revision'] = data['revision']
        key = (data.get('private_ssh_key') or '').strip()
        if key:
            if not _is_ssh(source.get('repository', '')):
                self.add_error('private_ssh_key', _(
                    'A deploy key is for ssh URLs only'))
            source['private_ssh_key'] = key
            source['private'] = True
        if not source.get('repository'):
            self.add_error('git_url', _('Give the git repository (or an '
                                        'app file that has one).'))
        document['source'] = source

        config = dict(document.get('workflow_config') or {})
        for field in ('run_cmd', 'test_cmd'):
            if data.get(field):
                config[field] = data[field]
        if config:
            document['workflow_config'] = config
        if data.get('ports'):
            try:
                document['ports'] = parse_ports(data['ports'])
            except forms.ValidationError as e:
                self.add_error('ports', e)
        if data.get('parameters'):
            try:
                params = parse_params(data['parameters'])
            except forms.ValidationError as e:
                self.add_error('parameters', e)
            else:
                parameters = dict(document.get('parameters') or {})
                parameters['user_params'] = dict(
                    parameters.get('user_params') or {}, **params)
                document['parameters'] = parameters
        data['document'] = document
        return data

    def handle(self, request, data):
        document = data['document']
        try:
            app = solum.app_create(request, document)
        except solum_exc.ClientException as e:
            solum.handle(request, _('Unable to create app %s')
                         % document.get('name'), e)
            return False
        messages.success(request, _('Created app %s; deploy it to run it.')
                         % app.name)
        return app


class ScaleForm(forms.SelfHandlingForm):
    app_id = forms.CharField(widget=forms.HiddenInput())
    replicas = forms.IntegerField(
        label=_('Replicas'), min_value=1, max_value=schemas.MAX_REPLICAS,
        help_text=_('How many replicas of the active release run'))

    def handle(self, request, data):
        try:
            solum.app_scale(request, data['app_id'], data['replicas'])
        except solum_exc.ClientException as e:
            solum.handle(request, _('Unable to scale the app'), e)
            return False
        messages.success(request, _('Scaling the app to %d replica(s).')
                         % data['replicas'])
        return True


class RollbackForm(forms.SelfHandlingForm):
    app_id = forms.CharField(widget=forms.HiddenInput())
    release = forms.ThemableChoiceField(
        label=_('Release'),
        help_text=_('The release to deploy again (its image; no rebuild)'))

    def __init__(self, request, *args, **kwargs):
        releases = kwargs.pop('releases', [])
        super().__init__(request, *args, **kwargs)
        self.fields['release'].choices = [
            (str(r.number), _('Release %(n)d (%(image)s)') % {
                'n': r.number, 'image': r.image}) for r in releases]

    def handle(self, request, data):
        number = int(data['release'])
        try:
            solum.app_rollback(request, data['app_id'], number)
        except solum_exc.ClientException as e:
            solum.handle(request, _('Unable to roll back the app'), e)
            return False
        messages.success(request, _('Rolling back to release %d.') % number)
        return True

