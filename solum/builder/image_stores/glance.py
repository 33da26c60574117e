"""The Glance store: ``podman save --format docker-archive`` streamed into
python-glanceclient (container_format=docker, disk_format=raw); the Glance
image id is recorded, and deleting the app deletes its images.

Whose images: an app created in Keystone mode carries a trust
(``app.trust_id``) from its owner to Solum's service user, and the store
talks to Glance through ``keystone.trust_session(trust_id)``, so the image
belongs to the app's project and the owner sees (and pays for) it.  Only an
app without a trust (noauth mode, or trusts turned off) uses the service
credentials of ``[glance]``.

Images carry the properties ``solum_app``, ``solum_project``,
``solum_commit`` and ``solum_build_id``; deletion finds them by
``solum_app``.
"""

import contextlib
import hashlib
import subprocess
import threading
import time

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading

from solum import conf
from solum.builder import process
from solum.builder.image_stores import base
from solum.common import images as common_images
from solum.common import keystone

CONF = conf.CONF
GROUP = 'glance'
EXPORT_TIMEOUT = 600
# The hash Glance computes by default ([DEFAULT] hashing_algorithm).
HASH_ALGO = 'sha512'


def _session(trust_id=None):
    """The app's trust, or the service credentials of ``[glance]``."""
    if trust_id:
        return keystone.trust_session(trust_id)
    auth = ks_loading.load_auth_from_conf_options(CONF, GROUP)
    if auth is None:
        raise base.StoreError(
            'the app has no Keystone trust and [glance] has no credentials '
            '(auth_type, auth_url, username, ...) to reach Glance with')
    return ks_loading.load_session_from_conf_options(CONF, GROUP, auth=auth)


def _has_credentials():
    return ks_loading.load_auth_from_conf_options(CONF, GROUP) is not None


def trust_usable(trust_id):
    """False when Keystone refuses a token for the trust (it is gone)."""
    try:
        keystone.trust_session(trust_id).get_token()
    except (ks_exc.Unauthorized, ks_exc.NotFound):
        return False
    return True


def _client(trust_id=None):
    from glanceclient import client as glance_client
    kwargs = {'session': _session(trust_id),
              'interface': CONF.glance.interface}
    if CONF.glance.region_name:
        kwargs['region_name'] = CONF.glance.region_name
    if CONF.glance.endpoint_override:
        kwargs['endpoint_override'] = CONF.glance.endpoint_override
    return glance_client.Client('2', **kwargs)


class _Reader:
    """The export's stdout as glanceclient reads it: counts and hashes."""

    def __init__(self, stream):
        self.stream = stream
        self.size = 0
        self.hash = hashlib.new(HASH_ALGO)

    def read(self, size=-1):
        chunk = self.stream.read(size)
        self.size += len(chunk)
        self.hash.update(chunk)
        return chunk


class Export:
    """``podman save --format docker-archive REF`` writing to a pipe.

    Its stderr goes to the log; ``timeout`` seconds after the start the
    whole process group is killed.  ``finish()`` waits for the exit and
    raises StoreError when the export failed (a truncated archive).
    """

    def __init__(self, ref, log, timeout=EXPORT_TIMEOUT):
        self.ref = ref
        self.timeout = timeout
        self.cmd = ['podman', 'save', '--format', 'docker-archive', ref]
        log('$ ' + ' '.join(self.cmd) + ' | glance image-upload')
        try:
            self.proc = subprocess.Popen(
                self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, start_new_session=True)
        except OSError as e:
            raise base.StoreError('cannot run podman: %s' % e.strerror)
        self.reader = _Reader(self.proc.stdout)
        self.errors = []
        self.timed_out = False
        self._done = threading.Event()
        self._threads = [
            threading.Thread(target=self._stderr, args=(log,), daemon=True,
                             name='solum-export-stderr'),
            threading.Thread(target=self._guard, daemon=True,
                             name='solum-export-guard')]
        for thread in self._threads:
            thread.start()

    def _stderr(self, log):
        for raw in self.proc.stderr:
            line = raw.decode('utf-8', errors='replace').rstrip('\r\n')
            self.errors.append(line)
            del self.errors[:-process.TAIL_LINES]
            log(line)

    def _guard(self):
        if not self._done.wait(self.timeout):
            self.timed_out = True
            process._kill_group(self.proc)

    def kill(self):
        if self.proc.poll() is None:
            process._kill_group(self.proc)

    def finish(self):
        """Wait for podman; StoreError unless it wrote the whole archive."""
        try:
            # Whatever glanceclient did not read (it stopped early).
            while self.proc.stdout.read(1 << 20):
                pass
            rc = self.proc.wait()
        finally:
            self._done.set()
            self.proc.stdout.close()
            self._threads[0].join(10)
            self.proc.stderr.close()
        if self.timed_out:
            raise base.StoreError('exporting %s timed out after %d s' % (
                self.ref, self.timeout))
        if rc != 0:
            raise base.StoreError('exporting %s failed: podman save exited '
                                  '%d%s' % (self.ref, rc, ': %s' %
                                            self.errors[-1]
                                            if self.errors else ''))


class GlanceImageStore(base.ImageStore):
    name = 'glance'

    def __init__(self, client_factory=None):
        self._client_factory = client_factory or _client

    def _glance(self, trust_id):
        return self._client_factory(trust_id)

    @staticmethod
    def _delete_quietly(glance, image_id, log):
        try:
            glance.images.delete(image_id)
        except Exception as e:
            log('removing the incomplete Glance image %s failed: %s' % (
                image_id, e))

    def store(self, context, image, log):
        trust_id = getattr(image, 'trust_id', None)
        log('uploading to Glance %s' % (
            'through the app\'s Keystone trust (the image belongs to the '
            'app\'s project)' if trust_id else
            'with the service credentials of [glance]'))
        glance = self._glance(trust_id)
        created = glance.images.create(
            name='solum-%s-%s' % (image.app_name, image.build_id),
            container_format='docker', disk_format='raw',
            visibility=CONF.glance.visibility,
            solum_app=image.app_uuid, solum_project=image.project_id,
            solum_commit=image.commit, solum_build_id=image.build_id,
            solum_local_ref=image.ref)
        image_id = created['id']
        log('streaming %s to Glance image %s' % (image.ref, image_id))
        started = time.monotonic()
        try:
            export = Export(image.ref, log)
            try:
                glance.images.upload(image_id, export.reader)
            except BaseException:
                # The upload's error is the reason, not podman's SIGKILL.
                export.kill()
                with contextlib.suppress(base.StoreError):
                    export.finish()
                raise
            export.finish()
            shown = glance.images.get(image_id)
            if shown.get('size') not in (None, export.reader.size):
                raise base.StoreError(
                    'Glance stored %s bytes of image %s, %d were sent' % (
                        shown.get('size'), image_id, export.reader.size))
            if (shown.get('os_hash_algo') == HASH_ALGO and
                    shown.get('os_hash_value') !=
                    export.reader.hash.hexdigest()):
                raise base.StoreError('the %s of Glance image %s is not '
                                      'that of the archive sent' % (
                                          HASH_ALGO, image_id))
        except Exception as e:
            self._delete_quietly(glance, image_id, log)
            if isinstance(e, base.StoreError):
                raise
            raise base.StoreError('uploading %s to Glance failed: %s' % (
                image.ref, str(e).splitlines()[0] if str(e) else
                type(e).__name__))
        seconds = time.monotonic() - started
        log('Glance image %s is %s: %.1f MB in %.1f s (%s %s...)' % (
            image_id, shown.get('status'), export.reader.size / 1e6,
            seconds, HASH_ALGO, export.reader.hash.hexdigest()[:16]))
        return {'image': image.ref, 'image_id': image.image_id,
                'glance_id': image_id, 'glance_owner': shown.get('owner'),
                'glance_size': export.reader.size, 'store': self.name,
                'digest': common_images.digest(image.ref)}

    def delete_app_images(self, context, app, log):
        trust_id = getattr(app, 'trust_id', None)
        if trust_id and not trust_usable(trust_id):
            # The owner revoked the trust (or it was deleted): the app must
            # still be deletable.
            if not _has_credentials():
                log('the Keystone trust of app %s no longer works and '
                    '[glance] has no credentials: its Glance images '
                    '(property solum_app=%s) are left for its owner to '
                    'delete' % (app.uuid, app.uuid))
                return []
            log('the Keystone trust of app %s no longer works: deleting '
                'its Glance images with the service credentials of '
                '[glance]' % app.uuid)
            trust_id = None
        glance = self._glance(trust_id)
        deleted = []
        for found in glance.images.list(filters={'solum_app': app.uuid}):
            glance.images.delete(found['id'])
            deleted.append(found['id'])
        if deleted:
            log('deleted Glance image(s) %s of app %s' % (
                ', '.join(deleted), app.uuid))
        return deleted
