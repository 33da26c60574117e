"""The registry store: images are pushed with skopeo to
``[builder] registry_url``/<project>/<app>:<build-id>."""

import json

from solum import conf
from solum.builder import process
from solum.builder.image_stores import base
from solum.common import images

CONF = conf.CONF


def repository(project_id, app_name):
    url = CONF.builder.registry_url.strip().rstrip('/')
    if not url:
        raise base.StoreError('the registry image store needs [builder] '
                              'registry_url')
    if '://' in url:
        raise base.StoreError('[builder] registry_url is host[:port]/path, '
                              'without a scheme')
    return '%s/%s/%s' % (url, project_id.lower(), app_name)


def _auth_args(flag):
    args = ['--%s-tls-verify=%s' % (flag, str(
        CONF.builder.registry_tls_verify).lower())] if flag else [
        '--tls-verify=%s' % str(CONF.builder.registry_tls_verify).lower()]
    if CONF.builder.registry_authfile:
        args += ['--authfile', CONF.builder.registry_authfile]
    return args


class RegistryImageStore(base.ImageStore):
    name = 'registry'

    def store(self, context, image, log):
        target = '%s:%s' % (repository(image.project_id, image.app_name),
                            image.build_id)
        cmd = (['skopeo', 'copy'] + _auth_args('dest') +
               ['containers-storage:%s' % image.ref, 'docker://' + target])
        try:
            process.run(cmd, log=log, timeout=CONF.builder.build_timeout)
            digest = process.output(
                ['skopeo', 'inspect'] + _auth_args(None) +
                ['--format', '{{.Digest}}', 'docker://' + target]).strip()
        except process.CommandError as e:
            raise base.StoreError('pushing to %s failed: %s' % (target, e))
        return {'image': '%s@%s' % (target.rsplit(':', 1)[0], digest),
                'image_id': image.image_id, 'digest': digest,
                'registry_ref': target, 'store': self.name}

    def delete_app_images(self, context, app, log):
        if not app.name or not app.project_id:
            log('app %s is gone from the database: its registry images '
                'cannot be found' % app.uuid)
            return []
        repo = repository(app.project_id, app.name)
        try:
            out = process.output(['skopeo', 'list-tags'] + _auth_args(None)
                                 + ['docker://' + repo])
        except process.CommandError as e:
            if 'name unknown' in str(e) or 'not found' in str(e).lower():
                return []
            raise base.StoreError('listing %s failed: %s' % (repo, e))
        tags = json.loads(out).get('Tags') or []
        deleted = []
        for tag in tags:
            ref = 'docker://%s:%s' % (repo, tag)
            try:
                labels = json.loads(process.output(
                    ['skopeo', 'inspect'] + _auth_args(None) + [ref]))
            except (process.CommandError, ValueError):
                continue
            if (labels.get('Labels') or {}).get(images.LABEL_APP) != \
                    app.uuid:
                continue  # an earlier app of the same name
            process.output(['skopeo', 'delete'] + _auth_args(None) + [ref])
            deleted.append(ref)
        return deleted
