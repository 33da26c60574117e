"""One-line reasons a developer can act on, from a failed build's output."""

import re

_PIP_NO_DIST = re.compile(
    r'No matching distribution found for ([^\s;]+)', re.I)
_PIP_RESOLVE = re.compile(
    r'Cannot install .* because these package versions have conflicting '
    r'dependencies|ResolutionImpossible', re.I)
_PIP_BAD_REQ = re.compile(
    r'(Invalid requirement: .*)$|(ERROR: Invalid requirement: .*)$', re.I)
_PIP_BUILD_WHEEL = re.compile(
    r'Failed building wheel for ([^\s]+)|'
    r'Failed to build ([^\s]+)|'
    r'error: subprocess-exited-with-error', re.I)
_NPM_404 = re.compile(
    r"npm ERR! 404\s+'?((?:@[^'\s/]+/)?[^'\s@]+)(?:@[^'\s]*)?'? is not in "
    r"(?:the npm|this) registry", re.I)
_NPM_404_GET = re.compile(r'npm ERR! 404 Not Found - GET \S+/([^/\s]+)'
                          r'(?: - .*)?$', re.I)
_NPM_NOTARGET = re.compile(r'npm ERR! notarget No matching version found '
                           r'for (\S+?)\.?$', re.I)
_NPM_CI_LOCK = re.compile(r'npm ERR! .*`npm ci` can only install packages '
                          r'when your package.json and package-lock.json',
                          re.I)
_NPM_JSON = re.compile(r'npm ERR! (?:code EJSONPARSE|JSON.parse )(.*)', re.I)
_NPM_ERR = re.compile(r'npm ERR! (?!code |errno |syscall |A complete log|'
                      r'\s*$)(.*)')
_FROM_MISSING = re.compile(
    r'(?:creating build container|error creating build container|'
    r'initializing source)[^:]*: .*?(?:image not known|'
    r'reading manifest|pinging container registry|no such image)', re.I)
_STEP = re.compile(r'building at STEP "(.*)"(?::\s*(?:error )?while running '
                   r'runtime:\s*(exit status \d+))?', re.I)


def _unquote(name):
    return name.strip().strip('\'"').rstrip('.')


def build_failure(tail, manifest=None, pack=None, memory=None):
    """The reason of a failed ``buildah bud`` from its last output lines."""
    text = '\n'.join(tail)
    where = manifest or 'dependencies'
    m = _PIP_NO_DIST.search(text)
    if m:
        return '%s: no matching distribution for %r' % (
            where, _unquote(m.group(1)))
    if _PIP_RESOLVE.search(text):
        return '%s: the requirements conflict (pip cannot resolve them)' % \
            where
    for line in tail:
        m = _PIP_BAD_REQ.search(line)
        if m:
            return '%s: %s' % (where, (m.group(1) or m.group(2)).replace(
                'ERROR: ', ''))
    m = _PIP_BUILD_WHEEL.search(text)
    if m and (m.group(1) or m.group(2)):
        return '%s: building %s failed (it may need system packages the ' \
               'base image lacks)' % (where, m.group(1) or m.group(2))
    for pattern, fmt in ((_NPM_404, "%s: package %r is not in the npm "
                          "registry"),
                         (_NPM_NOTARGET, '%s: no matching version for %r'),
                         (_NPM_404_GET, "%s: package %r is not in the npm "
                          "registry")):
        m = next(filter(None, map(pattern.search, tail)), None)
        if m:
            return fmt % (where, _unquote(m.group(1)).replace('%2f', '/'))
    if _NPM_CI_LOCK.search(text):
        return ('package-lock.json is out of date with package.json: run '
                '"npm install" and commit package-lock.json')
    m = _NPM_JSON.search(text)
    if m:
        return 'package.json: not valid JSON'
    if _FROM_MISSING.search(text):
        m = re.search(r'FROM (\S+)', text)
        image = m.group(1) if m else 'the base image'
        return ('base image %s is not available here (no registry): '
                'build it or change FROM' % image)
    npm = [m.group(1).strip() for m in map(_NPM_ERR.search, tail) if m]
    if npm:
        return 'npm: %s' % npm[0]
    step = status = None
    for line in reversed(tail):
        m = _STEP.search(line)
        if m:
            step, status = m.group(1), m.group(2)
            break
    last = _last_error(tail)
    if step:
        cmd = re.sub(r'--mount=\S+\s+', '', step)
        cmd = cmd.replace('set -a && . /run/solum/env && set +a && ', '')
        if status == 'exit status 137' or 'Killed' in tail:
            return ('build step %r was killed (exit status 137): out of '
                    'memory?%s' % (_shorten(cmd), ' builds may use %s' %
                                   memory if memory else ''))
        return 'build step %r failed%s' % (
            _shorten(cmd), ' (%s)' % status if status and not last
            else ': %s' % last if last else '')
    return 'build failed%s' % (': %s' % last if last else '')


def _last_error(tail):
    for line in reversed(tail):
        s = line.strip()
        if not s or s.startswith(('error building at STEP',
                                  'Error: error building', 'Error: building',
                                  'time=')):
            continue
        if re.match(r'^(E:|ERROR:|Error:|error:|npm ERR!|\w*Error\b)', s):
            return _shorten(re.sub(r'^(ERROR|Error|error):\s*', '', s))
    return ''


def _shorten(text, limit=200):
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + '...'


def test_failure(returncode, timed_out=False, timeout=None, tail=None):
    """The reason of a failed unit-test stage."""
    if timed_out:
        return 'test_cmd timed out after %d s' % timeout
    if returncode == 137:
        return ('test_cmd was killed (exit 137: out of memory or a signal); '
                'the test container has a memory limit')
    if returncode == 127:
        return 'test_cmd exited 127 (command not found in the image)'
    return 'test_cmd exited %d' % returncode
