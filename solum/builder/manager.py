"""The builder worker: source to image.

Stages (the conductor's state machine runs UNIT_TESTING before BUILDING):

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

import contextlib
import os
import shutil

import oslo_messaging as messaging
from oslo_log import log as logging

from solum import conf
from solum.builder import base_images
from solum.builder import image_stores
from solum.builder import images
from solum.builder import languagepacks
from solum.builder import process
from solum.builder import reasons
from solum.builder import source
from solum.common import context as solum_context
from solum.common import crypto
from solum.common import exception
from solum.common import images as common_images
from solum.common import in_flight
from solum.common import languagepacks as builtin_packs
from solum.common import states
from solum.common import userlog
from solum.conductor import rpcapi as conductor_rpcapi
from solum.db import api as db_api

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class StageFailed(Exception):
    """A stage cannot go on; the message is the reason."""


class BuiltImage:
    def __init__(self, ref, image_id, app_uuid, project_id, app_name,
                 commit, build_id, trust_id=None):
        self.ref = ref
        # The app's Keystone trust: stores act through it, as the app's
        # owner, when it has one.
        self.trust_id = trust_id
        self.image_id = image_id
        self.app_uuid = app_uuid
        self.project_id = project_id
        self.app_name = app_name
        self.commit = commit
        self.build_id = build_id


def _safe_segment(value):
    value = str(value)
    if not value or '/' in value or value in ('.', '..') or '\0' in value:
        raise ValueError('%r is not a safe path segment' % value)
    return value


@contextlib.contextmanager
def workspace(project_id, name):
    """``state_path/builds/<project>/<name>``: private, removed after."""
    builds = os.path.join(CONF.state_path, 'builds')
    project_dir = os.path.join(builds, _safe_segment(project_id))
    for path in (builds, project_dir):
        os.makedirs(path, mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)
    path = os.path.join(project_dir, _safe_segment(name))
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, mode=0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def known_hosts_file(project_id):
    """ssh host keys a project's fetches accepted (accept-new), kept."""
    path = os.path.join(CONF.state_path, 'builds',
                        _safe_segment(project_id), 'known_hosts')
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    return path


def build_id_for(wf, commit):
    return 'wf%d-%s' % (wf.wf_id, commit[:12])


class BuilderManager:
    target = messaging.Target(version='1.0')

    def __init__(self):
        self.conductor = conductor_rpcapi.ConductorAPI()
        self._in_flight = in_flight.InFlight()


    # ------------------------------------------------------------ helpers

    @staticmethod
    def _logger(resource_uuid, project_id, stage):
        stage_log = userlog.StageLog(resource_uuid, project_id, stage)

        def log(line):
            try:
                stage_log.write(line)
            except Exception:
                LOG.exception('Writing a log line of %s failed',
                              resource_uuid)
        return log

    @staticmethod
    def _source(wf):
        src = wf.source or wf.app.source or {}
        return src.get('repository'), src.get('revision')

    def _base_for(self, app, log):
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

    def _fetch(self, wf, dest, log, revision=None):
        url, default_revision = self._source(wf)
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
                                known_hosts=known_hosts_file(wf.project_id))
        except source.SourceError as e:
            raise StageFailed(str(e))

    def _build_image(self, wf, workdir, log, dev=False, revision=None):
        """Fetch and build; return a BuiltImage (in local storage)."""
        app = wf.app
        src = os.path.join(workdir, 'src')
        commit = self._fetch(wf, src, log, revision=revision)
        pack_name, base = self._base_for(app, log)
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
        if kind and getattr(CONF.builder, 'base_image_%s' % kind):
            log('base image %s (configured; buildah pulls it when missing)'
                % languagepacks.base_image(kind))
        elif kind:
            try:
                base_images.ensure_base_image(kind, log=log)
            except base_images.BaseImageError as e:
                raise StageFailed('base image %s: %s' % (
                    base_images.image_name(kind), str(e).splitlines()[0]))
        build_id = build_id_for(wf, commit)
        ref = common_images.image_ref(wf.project_id, app.name, build_id)
        labels = common_images.build_labels(app, wf.project_id, commit,
                                            build_id, recipe.pack)
        try:
            image_id = images.build(workdir, src, recipe, ref, labels, log,
                                    project_id=wf.project_id)
        except images.BuildError as e:
            raise StageFailed(str(e))
        log('built %s (%s)' % (ref, image_id[:12]))
        return BuiltImage(ref, image_id, app.uuid, wf.project_id, app.name,
                          commit, build_id, trust_id=app.trust_id)

    def _report(self, context, wf, action, outcome, log, reason=None,
                result=None):
        try:
            db_api.get_workflow_by_uuid(context, wf.uuid)
        except exception.NotFound:
            # Deleted with its app: nobody reads the report or the log.
            LOG.info('Workflow %s is gone: not reporting %r', wf.uuid,
                     outcome)
            return
        if reason:
            log('%s: %s' % ('ERROR' if outcome == states.FAILED else outcome,
                            reason))
        self.conductor.report_outcome(context, wf.uuid, action, outcome,
                                      reason=reason, result=result)

    @staticmethod
    def _app_gone(wf):
        """True when the workflow's app was deleted, or is being deleted:
        its deletion may have removed its images before this stage made
        one, so what the stage made would outlive the app."""
        try:
            app = db_api.get_app_by_id(None, wf.app_id)
        except exception.NotFound:
            return True
        return app.status == states.DELETING

    def _discard_images(self, wf, stage):
        """Remove every image of the workflow's (deleted) app, as the
        app's deletion does; return the workflow's reason."""
        why = 'the app was deleted during the %s stage' % stage
        try:
            self._remove_app_images(None, wf.app)
        except Exception as e:
            LOG.warning('Removing the images of deleted app %s failed: %s',
                        wf.app.uuid, e)
            return '%s; removing its images failed: %s' % (
                why, (str(e).splitlines() or [type(e).__name__])[0])
        return '%s; the images built for it were removed' % why

    def _run_stage(self, context, workflow_uuid, stage, body):
        """Run ``body(wf, log)`` for a workflow in ``stage`` (an action:
        states.UNITTEST or BUILD) and report its outcome."""
        if not self._in_flight.claim(workflow_uuid):
            return
        try:
            wf = db_api.get_workflow_by_uuid(context, workflow_uuid)
            if wf.status not in states.STAGE_STATES[stage]:
                LOG.info('Workflow %s is %s, not in its %s stage: nothing '
                         'to do', wf.uuid, wf.status, stage)
                return
            log = self._logger(wf.uuid, wf.project_id, stage)
            try:
                outcome, reason, result = body(wf, log)
            except StageFailed as e:
                outcome, reason, result = states.FAILED, str(e), None
            except Exception as e:
                LOG.exception('%s of workflow %s failed', stage, wf.uuid)
                outcome, reason, result = (
                    states.FAILED, 'internal error in the builder: %s' %
                    (str(e).splitlines() or [type(e).__name__])[0], None)
            # Checked after the image is stored: a deletion from now on
            # finds it and removes it itself.
            if self._app_gone(wf):
                LOG.info('App %s was deleted during the %s stage of '
                         'workflow %s: removing its images', wf.app.uuid,
                         stage, wf.uuid)
                outcome, reason, result = (
                    states.FAILED, self._discard_images(wf, stage), None)
            self._report(context, wf, stage, outcome, log, reason=reason,
                         result=result)
        finally:
            self._in_flight.release(workflow_uuid)

    # ----------------------------------------------------- RPC methods

    def unit_test(self, context, workflow_uuid):
        self._run_stage(context, workflow_uuid, states.UNITTEST,
                        self._unit_test)

    def _unit_test(self, wf, log):
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
            return self._test(wf, image, test_cmd, env, log, keep=True)
        with workspace(wf.project_id, '%s-unittest' % wf.uuid) as workdir:
            built = self._build_image(wf, workdir, log, dev=True)
        outcome = self._test(wf, built.ref, test_cmd, env, log, built=built)
        return outcome

    def _test(self, wf, image, test_cmd, env, log, built=None, keep=False):
        log('running test_cmd in a container of %s: %s' % (image, test_cmd))
        try:
            rc = images.run_tests(image, test_cmd,
                                  'solum-test-%s' % wf.uuid, log, env=env)
        except process.CommandError as e:
            if not keep:
                common_images.remove([image], log)
            if e.timed_out:
                return (states.TESTS_FAILED,
                        'test_cmd timed out after %d s' %
                        CONF.builder.test_timeout, None)
            raise StageFailed('cannot run test_cmd: %s' % e)
        if rc != 0:
            if not keep:
                common_images.remove([image], log)
            return states.TESTS_FAILED, reasons.test_failure(rc), None
        log('test_cmd passed')
        result = {'candidate_image': image}
        if built is not None:
            result.update(candidate_image_id=built.image_id,
                          commit=built.commit, build_id=built.build_id)
        return states.TESTS_PASSED, None, result

    def build(self, context, workflow_uuid):
        self._run_stage(context, workflow_uuid, states.BUILD, self._build)

    def _build(self, wf, log):
        result = wf.result or {}
        candidate = result.get('candidate_image')
        built = None
        labels = common_images.labels(candidate) if candidate and \
            result.get('commit') else None
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
                    trust_id=wf.app.trust_id)
        if built is None:
            with workspace(wf.project_id, '%s-build' % wf.uuid) as workdir:
                built = self._build_image(wf, workdir, log,
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

    def build_language_pack(self, context, lp_uuid):
        if not self._in_flight.claim(lp_uuid):
            return
        try:
            self._build_language_pack(lp_uuid)
        finally:
            self._in_flight.release(lp_uuid)

    def _build_language_pack(self, lp_uuid):
        lp = db_api.get_language_pack_by_uuid(None, lp_uuid)
        log = self._logger(lp.uuid, lp.project_id, 'build')

        def set_status(status, reason=None, **values):
            db_api.update_language_pack(None, lp.uuid, dict(
                values, status=status, reason=reason))
        set_status(states.LP_BUILDING)
        log('building language pack %s from %s' % (lp.name, lp.source_uri))
        try:
            with workspace(lp.project_id, 'lp-%s' % lp.uuid) as workdir:
                src = os.path.join(workdir, 'src')
                try:
                    commit = source.fetch(lp.source_uri, None, src, log,
                                          known_hosts=known_hosts_file(
                                              lp.project_id))
                except source.SourceError as e:
                    raise StageFailed(str(e))
                try:
                    _pack, manifest = languagepacks.detect(src,
                                                           'dockerfile')
                except languagepacks.NoPackFits:
                    raise StageFailed('a language pack repository needs a '
                                      'Containerfile or Dockerfile at its '
                                      'top')
                recipe = languagepacks.Recipe(
                    'languagepack', containerfile_path=manifest,
                    manifest=manifest)
                ref = common_images.lp_image_ref(lp.project_id, lp.name,
                                                 lp.uuid)
                labels = {common_images.LABEL_PACK: lp.name,
                          common_images.LABEL_PROJECT: lp.project_id,
                          common_images.LABEL_COMMIT: commit}
                try:
                    image_id = images.build(workdir, src, recipe, ref,
                                            labels, log,
                                            project_id=lp.project_id)
                except images.BuildError as e:
                    raise StageFailed(str(e))
        except StageFailed as e:
            log('ERROR: %s' % e)
            set_status(states.LP_ERROR, str(e))
            return
        except Exception as e:
            LOG.exception('Building language pack %s failed', lp.uuid)
            reason = 'internal error in the builder: %s' % e
            log('ERROR: %s' % reason)
            set_status(states.LP_ERROR, reason)
            return
        log('language pack %s is ready: %s (%s)' % (lp.name, ref,
                                                    image_id[:12]))
        set_status(states.LP_READY, image_ref=ref)

    def delete_app_images(self, context, app_uuid):
        """Remove an app's images from the image store and the local
        container storage (candidates, earlier builds)."""
        try:
            app = db_api.get_app(solum_context.get_admin_context(), app_uuid)
        except exception.NotFound:
            app = _AppRef(app_uuid)

        removed = self._remove_app_images(context, app)
        LOG.info('Removed %d image(s) of app %s', len(removed), app_uuid)
        return True

    @staticmethod
    def _remove_app_images(context, app):
        def log(line):
            LOG.info('%s', line)
        removed = []
        if CONF.builder.image_store != 'local':
            removed += image_stores.get_store().delete_app_images(
                context, app, log) or []
        removed += image_stores.get_store('local').delete_app_images(
            context, app, log) or []
        return removed


class _AppRef:
    """What a store needs of an app whose record is already gone."""

    def __init__(self, uuid):
        self.uuid = uuid
        self.name = None
        self.project_id = None
        self.trust_id = None
