"""The language packs every Solum has, apart from those a project
registers (``/v1/language_packs``).

The built-in packs are read-only resources of ``/v1/language_packs`` too,
so that a client that looks a pack up by name before using it (as the
Solum v1 client does) finds them. Their ids are uuid5 of their names, the
same on every Solum, and they are always READY.
"""

import uuid

BUILTIN = ('python', 'nodejs', 'dockerfile')
AUTO = 'auto'  # detect which built-in pack fits the source

# The namespace of the built-in packs' ids (itself a uuid5, of a URL).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL,
                       'https://opendev.org/openstack/solum/language_packs')

# The Debian release the base images are bootstrapped from
# (solum.builder.base_images).
_OS = {'OS': 'Debian', 'version': '12 (bookworm)'}

# What GET /v1/language_packs shows of each built-in pack, with the fields
# of upstream Solum's language pack resource.
_DETAILS = {
    'python': {
        'description': 'Python 3 applications with requirements.txt or '
                       'pyproject.toml, installed into a virtualenv',
        'language_pack_type': 'org.openstack.solum.python',
        'language_implementation': 'CPython',
        'runtime_versions': ['3.11'],
        'build_tool_chain': [{'type': 'pip', 'version': None}],
        'os_platform': _OS,
    },
    'nodejs': {
        'description': 'Node.js applications with package.json, '
                       'installed with npm',
        'language_pack_type': 'org.openstack.solum.nodejs',
        'language_implementation': 'Node.js',
        'runtime_versions': ['18'],
        'build_tool_chain': [{'type': 'npm', 'version': None}],
        'os_platform': _OS,
    },
    'dockerfile': {
        'description': 'Applications that bring their own Containerfile '
                       '(or Dockerfile)',
        'language_pack_type': 'org.openstack.solum.dockerfile',
        'build_tool_chain': [{'type': 'buildah', 'version': None}],
    },
    AUTO: {
        'description': 'Picks the built-in pack that fits the source: '
                       'dockerfile, then nodejs, then python',
        'language_pack_type': 'org.openstack.solum.auto',
    },
}

# Upstream's fields; a project's pack has them too (null or empty).
UPSTREAM_FIELDS = ('language_pack_type', 'language_implementation',
                   'compiler_versions', 'runtime_versions',
                   'build_tool_chain', 'os_platform', 'attributes')


def is_builtin(name):
    """Is ``name`` a pack Solum brings (or ``auto``), not a project's?"""
    return name in BUILTIN or name == AUTO


def builtin_names():
    """The names an app file may always use, for error messages."""
    return BUILTIN + (AUTO,)


def builtin_id(name):
    return str(uuid.uuid5(NAMESPACE, name))


class BuiltinPack:
    """A built-in pack with the attributes of a language pack row."""

    builtin = True
    project_id = None
    user_id = None
    source_uri = None
    lp_metadata = None
    lp_params = None
    status = 'READY'
    reason = None
    image_ref = None
    created_at = None
    updated_at = None

    def __init__(self, name):
        details = _DETAILS[name]
        self.name = name
        self.uuid = builtin_id(name)
        self.description = details['description']
        self.upstream = {
            'language_pack_type': details.get('language_pack_type'),
            'language_implementation': details.get(
                'language_implementation'),
            'compiler_versions': [],
            'runtime_versions': list(details.get('runtime_versions', [])),
            'build_tool_chain': [dict(t) for t in
                                 details.get('build_tool_chain', [])],
            'os_platform': dict(details.get('os_platform', {})),
            'attributes': {},
        }


def builtin_packs():
    """Every built-in pack, in the order listings show them."""
    return [BuiltinPack(name) for name in builtin_names()]


def find_builtin(ident):
    """The built-in pack named ``ident`` or with the id ``ident``, or
    None."""
    for name in builtin_names():
        if ident == name or ident == builtin_id(name):
            return BuiltinPack(name)
    return None
