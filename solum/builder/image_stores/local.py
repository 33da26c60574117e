"""The local store: images stay in the local container storage (the one
Podman and buildah share), recorded by id and digest."""

from solum.builder import images
from solum.builder import process
from solum.builder.image_stores import base


class LocalImageStore(base.ImageStore):
    name = 'local'

    def store(self, context, image, log):
        digest = images.image_digest(image.ref)
        log('image %s kept in the local container storage (id %s, digest '
            '%s)' % (image.ref, image.image_id[:12], digest))
        return {'image': image.ref, 'image_id': image.image_id,
                'digest': digest, 'store': self.name}

    def delete_app_images(self, context, app, log):
        app_uuid = app.uuid
        if not images.images_with_label(images.LABEL_APP, app_uuid):
            return []
        refs = images.references_with_label(images.LABEL_APP, app_uuid)
        # Not --force: that would also remove containers using the images'
        # parent layers, such as another build's working container.  The
        # deployer has removed the app's containers before this is called.
        try:
            process.output(['podman', 'rmi'] + refs, timeout=300)
        except process.CommandError as e:
            raise base.StoreError('removing the images of app %s failed: %s'
                                  % (app_uuid, e))
        log('removed image(s) %s of app %s' % (', '.join(refs), app_uuid))
        return refs
