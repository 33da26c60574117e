"""The builder's stages, source to image (the conductor's state machine
runs UNIT_TESTING before BUILDING; solum.builder.manager runs them and
reports their outcomes):

* ``unit_test``: fetch the source, build the candidate image, run the
  workflow's ``test_cmd`` in a throw-away container of it; UNIT_TESTING_PASSED
  (the candidate image is recorded) or UNIT_TESTING_FAILED (the image is
  removed).
* ``build``: reuse the tested candidate, or fetch and build; hand the image
  to the image store; BUILT with the image reference, or ERROR with a
  one-line reason.

Every line git, buildah and Podman print is written to the workflow's log
as it comes.
"""

import concurrent.futures
import os

from oslo_log import log as logging

from solum import conf
from solum.builder import base_images
from solum.builder import buildah
from solum.builder import image_stores
from solum.builder import languagepacks
from solum.builder import process
from solum.builder import reasons
from solum.builder import source
from solum.builder import testrun
from solum.builder import workspace
from solum.common import crypto
from solum.common import exception
from solum.common import git_repos
from solum.common import images as common_images
from solum.common import languagepacks as builtin_packs
from solum.common import states
from solum.common import userlog
from solum.db import api as db_api

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class StageFailed(Exception):
    """A stage cannot go on; the message is the reason."""


class BuiltImage:
    def __init__(self, ref, image_id, app_uuid, project_id, app_name,
                 commit, build_id, trust_id=None, digest=None):
        self.ref = ref
        # Known when the stage read it already (the stores ask podman
        # otherwise).
        self.digest = digest
        # The app's Keystone trust: stores act through it, as the app's
        # owner, when it has one.
        self.trust_id = trust_id
        self.image_id = image_id
        self.app_uuid = app_uuid
        self.project_id = project_id
        self.app_name = app_name
        self.commit = commit
        self.build_id = build_id


def stage_logger(resource_uuid, project_id, stage):
    """``log(line)`` writing to the resource's log of ``stage``; a line
    that cannot be written is said in the service log."""
    stage_log = userlog.StageLog(resource_uuid, project_id, stage)

    def log(line):
        try:
            stage_log.write(line)
        except Exception:
            LOG.exception('Writing a log line of %s failed',
                          resource_uuid)
    return log


def build_id_for(wf, commit):
    return 'wf%d-%s' % (wf.wf_id, commit[:12])


# ------------------------------------------------------------ helpers

def _source(wf):
    src = wf.source or wf.app.source or {}
    return src.get('repository'), src.get('revision')


def _base_for(app, log):
    """(languagepack name for detection, base image or None)."""
    name = app.languagepack or builtin_packs.AUTO
    if builtin_packs.is_builtin(name):
        return name, None
    try:
        lp = db_api.get_project_language_pack(None, app.project_id, name)
    except exception.NotFound:
        raise StageFailed('language pack %r does not exist' % name)
    if lp.status != states.LP_READY or not lp.image_ref:
        raise StageFailed('language pack %r is %s, not READY%s' % (
            name, lp.status, ': %s' % lp.reason if lp.reason else ''))
    log('building FROM the language pack %s (%s)' % (name, lp.image_ref))
    return name, lp.image_ref


def _fetch(wf, dest, log, revision=None):
    url, default_revision = _source(wf)
    key = None
    if wf.app.private_ssh_key:
        try:
            key = crypto.decrypt(wf.app.private_ssh_key)
        except Exception:
            raise StageFailed('the app\'s private_ssh_key cannot be '
                              'decrypted with this Solum\'s secret key')
    try:
        return source.fetch(url, revision or default_revision, dest, log,
                            private_key=key,
                            known_hosts=workspace.known_hosts_file(
                                wf.project_id),
                            own_repository=git_repos.path(wf.app.uuid))
    except source.SourceError as e:
        raise StageFailed(str(e))


def _ensure_base(kind, log):
    """The base image's id, bootstrapped when missing."""
    try:
        return base_images.ensure_known(kind, log=log)
    except base_images.BaseImageError as e:
        raise StageFailed('base image %s: %s' % (
            base_images.image_name(kind), str(e).splitlines()[0]))


def _base_missing(kind):
    try:
        return base_images.present_id(base_images.image_name(kind)) is None
    except base_images.BaseImageError:
        return False


def _build_image(wf, workdir, log, dev=False, revision=None):
    """Fetch and build; return a BuiltImage (in local storage)."""
    app = wf.app
    src = os.path.join(workdir, 'src')
    commit = _fetch(wf, src, log, revision=revision)
    pack_name, base = _base_for(app, log)
    config = wf.config or {}
    port = (app.ports or [8080])[0]
    try:
        recipe = languagepacks.recipe(src, pack_name,
                                      run_cmd=config.get('run_cmd'),
                                      port=port, base=base, dev=dev)
    except languagepacks.NoPackFits as e:
        raise StageFailed(str(e))
    for note in recipe.notes:
        log(note)
    kind = languagepacks.base_kind(recipe.pack) if base is None else None
    local_base = None   # (name, id) of the local base image built FROM
    if kind and getattr(CONF.builder, 'base_image_%s' % kind):
        log('base image %s (configured; buildah pulls it when missing)'
            % languagepacks.base_image(kind))
    elif kind:
        local_base = (base_images.image_name(kind), _ensure_base(kind, log))
    build_id = build_id_for(wf, commit)
    ref = common_images.image_ref(wf.project_id, app.name, build_id)
    labels = common_images.build_labels(app, wf.project_id, commit,
                                        build_id, recipe.pack)
    try:
        try:
            image_id = buildah.build(workdir, src, recipe, ref, labels, log,
                                     project_id=wf.project_id,
                                     base=local_base)
        except buildah.BuildError:
            # The base image was taken as present from an earlier build:
            # if it is gone, bootstrap it and build again.
            if not (kind and base_images.forget(kind) and
                    _base_missing(kind)):
                raise
            log('the base image %s is gone: bootstrapping it and building '
                'again' % base_images.image_name(kind))
            _ensure_base(kind, log)
            image_id = buildah.build(workdir, src, recipe, ref, labels, log,
                                     project_id=wf.project_id)
    except buildah.BuildError as e:
        raise StageFailed(str(e))
    log('built %s (%s)' % (ref, image_id[:12]))
    return BuiltImage(ref, image_id, app.uuid, wf.project_id, app.name,
                      commit, build_id, trust_id=app.trust_id)


# ------------------------------------------------------------- stages

def unit_test(wf, log, on_candidate=None, on_failure=None):
    """The unit-test stage: (outcome, reason, result).
    ``on_candidate(wf, built)`` is called once the candidate image of a
    rebuild exists, before its tests run; ``on_failure()`` when they
    fail, before the candidate is removed."""
    test_cmd = (wf.config or {}).get('test_cmd')
    if not test_cmd:
        log('no test_cmd in the workflow config: nothing to test, the '
            'unit-test stage passes')
        return states.TESTS_PASSED, None, None
    user_env = ((wf.app.parameters or {}).get('user_params') or {})
    env = {k: str(v) for k, v in user_env.items()}
    if 'build' not in wf.actions and wf.du_id:
        image = wf.du_id
        log('testing the image %s (du_id)' % image)
        labels = common_images.labels(image)
        if labels is None:
            raise StageFailed('image %s (du_id) does not exist here' %
                              image)
        if labels.get(common_images.LABEL_PROJECT) != wf.project_id:
            raise StageFailed('image %s (du_id) was not built by Solum '
                              'for this project' % image)
        return _test(wf, image, test_cmd, env, log, keep=True)
    with workspace.workspace(wf.project_id,
                             '%s-unittest' % wf.uuid) as workdir:
        built = _build_image(wf, workdir, log, dev=True)
    if on_candidate is not None:
        on_candidate(wf, built)
    # The candidate's digest, asked while its tests run: the build stage
    # then reuses it without asking podman again.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(_digest_or_none, built.ref)
        outcome = _test(wf, built.ref, test_cmd, env, log, built=built,
                        on_failure=on_failure)
        if outcome[0] == states.TESTS_PASSED and digest.result():
            outcome[2]['candidate_digest'] = digest.result()
    return outcome


def _digest_or_none(ref):
    try:
        return common_images.digest(ref)
    except common_images.ImageError:
        return None


def _test(wf, image, test_cmd, env, log, built=None, keep=False,
          on_failure=None):
    log('running test_cmd in a container of %s: %s' % (image, test_cmd))

    def remove_candidate():
        if on_failure is not None:
            on_failure()
        if not keep:
            common_images.remove([image], log)
    try:
        rc = testrun.run_tests(image, test_cmd,
                               'solum-test-%s' % wf.uuid, log, env=env)
    except process.CommandError as e:
        remove_candidate()
        if e.timed_out:
            return (states.TESTS_FAILED,
                    'test_cmd timed out after %d s' %
                    CONF.builder.test_timeout, None)
        raise StageFailed('cannot run test_cmd: %s' % e)
    if rc != 0:
        remove_candidate()
        return states.TESTS_FAILED, reasons.test_failure(rc), None
    log('test_cmd passed')
    result = {'candidate_image': image}
    if built is not None:
        result.update(candidate_image_id=built.image_id,
                      commit=built.commit, build_id=built.build_id)
    return states.TESTS_PASSED, None, result


def build(wf, log):
    """The build stage: (outcome, reason, result)."""
    result = wf.result or {}
    candidate = result.get('candidate_image')
    built = None
    if candidate and result.get('commit') and \
            result.get('candidate_digest'):
        # This app's candidate, built and tested by the unit-test stage
        # a moment ago (it recorded the digest): no podman call.
        labels, digest = ({common_images.LABEL_APP: wf.app.uuid},
                          result['candidate_digest'])
    elif candidate and result.get('commit'):
        labels, digest = common_images.labels_and_digest(candidate)
    else:
        labels, digest = None, None
    if labels is not None:
        if labels.get(common_images.LABEL_APP) == wf.app.uuid:
            log('reusing the image tested in the unit-test stage: %s '
                '(cache hit)' % candidate)
            built = BuiltImage(
                candidate, result.get('candidate_image_id') or
                common_images.image_id(candidate), wf.app.uuid,
                wf.project_id, wf.app.name, result['commit'],
                result.get('build_id') or
                labels.get(common_images.LABEL_BUILD_ID),
                trust_id=wf.app.trust_id, digest=digest or None)
    if built is None:
        with workspace.workspace(wf.project_id,
                                 '%s-build' % wf.uuid) as workdir:
            built = _build_image(wf, workdir, log,
                                 revision=result.get('commit'))
    store = image_stores.get_store()
    try:
        stored = store.store(None, built, log)
    except Exception as e:
        raise StageFailed('storing the image in the %s image store '
                          'failed: %s' % (CONF.builder.image_store, e))
    stored.update(commit=built.commit, build_id=built.build_id)
    stored.setdefault('image', built.ref)
    stored.setdefault('image_id', built.image_id)
    return states.IMAGE_BUILT, None, stored
