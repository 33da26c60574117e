"""Checks of a Containerfile an app or a language pack brings.

Builds of every project share one container storage and one buildah, so a
Containerfile could name another project's image (``FROM
localhost/solum/<other project>/<app>:...``, ``COPY --from=...``, an image
id) or share a ``RUN --mount=type=cache`` directory with another project's
builds.  A bind mount reaches further: with buildah 1.28 (CVE-2024-1753) a
symlink as its source exposes the builder host's root.  ``ADD`` of a URL
or a git repository fetches from the builder host's network, and ``RUN``
flags such as ``--network=host`` or ``--security=insecure`` loosen the
build's confinement.  All of those are refused before the build starts,
with the line at fault.  Flags are checked against lists of what is known
to be safe, so a flag buildah learns later is refused until reviewed.
"""

import json
import re

from solum.builder import languagepacks

_INSTRUCTION = re.compile(r'^\s*([A-Za-z]+)\s+(.*)$', re.S)
_HEX_ID = re.compile(r'^(sha256:)?[0-9a-f]{6,64}$')
# ADD fetches these itself, outside the build context.
_REMOTE_SOURCE = re.compile(r'^([a-z][a-z0-9+.-]*://|git@|[^/\s]+@[^/\s]+:)',
                            re.I)

# The flags each instruction may carry (anything else is refused).
_FLAGS = {
    'FROM': {'platform'},
    'COPY': {'from', 'chown', 'chmod', 'link', 'parents', 'exclude'},
    'ADD': {'chown', 'chmod', 'checksum', 'link', 'exclude', 'from'},
    'RUN': {'mount', 'network'},
}
# RUN --network values that give a step no more than the default.
_RUN_NETWORKS = {'default', 'none'}
# What a mount may set; source/src/from are never allowed: they are what
# brings a path of the host, the context or another image into the step.
_MOUNT_OPTIONS = {
    'tmpfs': {'type', 'target', 'dst', 'destination', 'size', 'tmpfs-size',
              'mode', 'tmpfs-mode', 'uid', 'gid'},
    'secret': {'type', 'id', 'target', 'dst', 'destination', 'required',
               'mode', 'uid', 'gid'},
}
# The only secret the builder passes to buildah (--secret id=...).
_SECRET_IDS = {languagepacks.ENV_SECRET_ID}


class ContainerfileRefused(Exception):
    """The message names the file, the line and why."""


def _instructions(text):
    """(line number, keyword, arguments), continuation lines joined."""
    out = []
    buf, start = '', None
    escape = '\\'
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if start is None:
            m = re.match(r'^#\s*escape\s*=\s*(\S)\s*$', stripped)
            if not out and m and not buf:
                escape = m.group(1)
                continue
            if not stripped or stripped.startswith('#'):
                continue
            start = number
        elif stripped.startswith('#'):
            continue
        if stripped.endswith(escape):
            buf += stripped[:-1] + ' '
            continue
        buf += stripped
        m = _INSTRUCTION.match(buf)
        if m:
            out.append((start, m.group(1).upper(), m.group(2)))
        buf, start = '', None
    return out


def _flags(args):
    """([(name, value)], rest): the ``--flags`` leading ``args``, read as
    the Dockerfile parser reads them (quotes removed, a backslash keeps
    the next character), so that what is checked is what buildah sees."""
    flags = []
    pos = 0
    while True:
        while pos < len(args) and args[pos].isspace():
            pos += 1
        if not args.startswith('--', pos):
            break
        word, quote = '', None
        pos += 2
        while pos < len(args):
            ch = args[pos]
            if quote:
                if ch == quote:
                    quote = None
                else:
                    word += ch
            elif ch.isspace():
                break
            elif ch in '"\'':
                quote = ch
            elif ch == '\\' and pos + 1 < len(args):
                pos += 1
                word += args[pos]
            else:
                word += ch
            pos += 1
        name, sep, value = word.partition('=')
        flags.append((name.lower(), value if sep else None))
    return flags, args[pos:]


def _image_problem(ref, project_id, stages):
    """Why the image ``ref`` may not be used by ``project_id``, or None."""
    if ref in stages or ref.isdigit() or ref.lower() == 'scratch':
        return None
    if '$' in ref:
        return 'variables in image references are not supported'
    name = ref.split('@', 1)[0]
    if _HEX_ID.match(name.lower()) or ref.lower().startswith('sha256:'):
        return 'images may not be named by id'
    parts = name.split('/')
    if len(parts) > 1 and ('.' in parts[0] or ':' in parts[0]
                           or parts[0] == 'localhost'):
        domain, path = parts[0], parts[1:]
    else:
        # A short name can resolve to localhost/<name> in local storage.
        domain, path = 'localhost', parts
    if domain != 'localhost' or not path or path[0] != 'solum':
        return None
    rest = path[1:]
    if len(rest) == 1 and rest[0].startswith('base-'):
        return None  # the shared base images
    project = project_id.lower()
    if rest and rest[0] == project:
        return None
    if len(rest) > 1 and rest[0] == 'lp' and rest[1] == project:
        return None
    return 'images of other projects cannot be used'


def _mount_problem(spec):
    """Why ``RUN --mount=<spec>`` is refused, or None."""
    options = {}
    for option in spec.split(','):
        key, _sep, value = option.partition('=')
        options[key.strip().lower()] = value.strip()
    # buildah's default mount type is bind.
    kind = options.get('type', 'bind').lower()
    if kind == 'bind':
        return ('bind mounts are not allowed (with buildah 1.28 a bind '
                'mount can expose the builder host, CVE-2024-1753)')
    if kind == 'cache':
        return ('type=cache is not allowed (cache directories are shared by '
                'every build on the builder)')
    if kind not in _MOUNT_OPTIONS:
        return 'type=%s is not allowed (only tmpfs and secret)' % kind
    for key in ('from', 'source', 'src'):
        if key in options:
            return '%s= is not allowed (nothing may be mounted from the ' \
                'build context, the host or an image)' % key
    unknown = sorted(set(options) - _MOUNT_OPTIONS[kind])
    if unknown:
        return 'the option %s is not allowed for type=%s' % (unknown[0],
                                                              kind)
    if kind == 'secret' and options.get('id') not in _SECRET_IDS:
        return 'type=secret needs id=%s, the only secret the builder ' \
            'provides' % languagepacks.ENV_SECRET_ID
    return None


def _flag_problem(keyword, name, value):
    """Why ``keyword --name=value`` is refused, or None."""
    if name not in _FLAGS.get(keyword, ()):
        return '%s --%s is not allowed' % (keyword, name)
    if keyword == 'RUN' and name == 'mount':
        problem = _mount_problem(value or '')
        return problem and 'RUN --mount: %s' % problem
    if keyword == 'RUN' and name == 'network' and \
            (value or '').lower() not in _RUN_NETWORKS:
        return 'RUN --network=%s is not allowed (only default or none)' % \
            (value or '')
    return None


def _sources(rest):
    """The sources of ``ADD``/``COPY`` arguments (all but the last)."""
    rest = rest.strip()
    if rest.startswith('['):
        try:
            words = json.loads(rest)
        except ValueError:
            words = None
        if isinstance(words, list):
            return [str(w) for w in words[:-1]]
    return rest.split()[:-1]


def _add_problem(rest):
    """Why an ``ADD`` of these sources is refused, or None."""
    for src in _sources(rest):
        if _REMOTE_SOURCE.match(src):
            return 'ADD %s: ADD of a URL or a git repository is not ' \
                'allowed (fetch it in a RUN step, or COPY it from the ' \
                'repository)' % src
        if '$' in src:
            return 'ADD %s: variables in ADD sources are not supported ' \
                '(use COPY)' % src
    return None


def _check_instruction(number, keyword, args, project_id, stages, filename):
    def refuse(why):
        raise ContainerfileRefused('%s line %d: %s' % (filename, number,
                                                         why))
    if keyword == 'ONBUILD':
        # Triggers run in the builds of images FROM this one: check them
        # now, as the instructions they are.
        m = _INSTRUCTION.match(args)
        if not m or m.group(1).upper() in ('ONBUILD', 'FROM'):
            refuse('ONBUILD %s is not allowed' % args.split(' ', 1)[0])
        _check_instruction(number, m.group(1).upper(), m.group(2),
                           project_id, stages, filename)
        return
    flags, rest = _flags(args) if keyword in _FLAGS else ([], args)
    refs = []
    for name, value in flags:
        problem = _flag_problem(keyword, name, value)
        if problem:
            refuse(problem)
        if name == 'from' and value is not None:
            refs.append(value)
    if keyword == 'FROM':
        words = rest.split()
        if not words:
            return
        refs.append(words[0])
        if len(words) >= 3 and words[1].lower() == 'as':
            stages.add(words[2])
    if keyword == 'ADD':
        problem = _add_problem(rest)
        if problem:
            refuse(problem)
    for ref in refs:
        problem = _image_problem(ref, project_id, stages)
        if problem:
            refuse('%s: %s' % (ref, problem))


def check(text, project_id, filename='Containerfile'):
    """Raise ContainerfileRefused when ``text`` may not be built for
    ``project_id``."""
    stages = set()
    for number, keyword, args in _instructions(text):
        _check_instruction(number, keyword, args, project_id, stages,
                           filename)
