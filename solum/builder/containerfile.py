"""Checks of a Containerfile an app or a language pack brings.

Builds of every project share one container storage and one buildah, so a
Containerfile could name another project's image (``FROM
localhost/solum/<other project>/<app>:...``, ``COPY --from=...``, an image
id) or share a ``RUN --mount=type=cache`` directory with another project's
builds.  Those are refused before the build starts, with the line at fault.
"""

import re

_INSTRUCTION = re.compile(r'^\s*([A-Za-z]+)\s+(.*)$', re.S)
_FROM_FLAG = re.compile(r'--from=(\S+)')
_MOUNT = re.compile(r'--mount=(\S+)')
_HEX_ID = re.compile(r'^(sha256:)?[0-9a-f]{6,64}$')


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


def check(text, project_id, filename='Containerfile'):
    """Raise ContainerfileRefused when ``text`` may not be built for
    ``project_id``."""
    stages = set()
    for number, keyword, args in _instructions(text):
        refs = []
        if keyword == 'FROM':
            words = [w for w in args.split() if not w.startswith('--')]
            if not words:
                continue
            refs.append(words[0])
            if len(words) >= 3 and words[1].lower() == 'as':
                stages.add(words[2])
        if keyword in ('COPY', 'ADD'):
            refs += _FROM_FLAG.findall(args)
        if keyword == 'RUN':
            for mount in _MOUNT.findall(args):
                options = dict(o.split('=', 1) if '=' in o else (o, '')
                               for o in mount.split(','))
                if options.get('type') == 'cache':
                    raise ContainerfileRefused(
                        '%s line %d: RUN --mount=type=cache is not allowed '
                        '(cache directories are shared by every build on '
                        'the builder)' % (filename, number))
                if options.get('from'):
                    refs.append(options['from'])
        for ref in refs:
            problem = _image_problem(ref, project_id, stages)
            if problem:
                raise ContainerfileRefused('%s line %d: %s: %s' % (
                    filename, number, ref, problem))
