"""The local store: images stay in the local container storage (the one
Podman and buildah share), recorded by id and digest."""

from solum.builder.image_stores import base
from solum.common import images


class LocalImageStore(base.ImageStore):
    name = 'local'

    def store(self, context, image, log):
        digest = getattr(image, 'digest', None) or images.digest(image.ref)
        log('image %s kept in the local container storage (id %s, digest '
            '%s)' % (image.ref, image.image_id[:12], digest))
        return {'image': image.ref, 'image_id': image.image_id,
                'digest': digest, 'store': self.name}

    def delete_app_images(self, context, app, log):
        # Found by label: a name is only a name (another app may reuse it,
        # or deploy this app's image by du_id under its own).
        wanted = {images.LABEL_APP: app.uuid}
        try:
            refs = images.refs_with_labels(wanted)
            # The deployer has removed the app's containers before this.
            removed = images.remove(refs)
            left = images.ids_with_labels(wanted)
        except images.ImageError as e:
            raise base.StoreError('removing the images of app %s failed: %s'
                                  % (app.uuid, e))
        if left:
            raise base.StoreError('image(s) %s of app %s are still in use'
                                  % (', '.join(left), app.uuid))
        if removed:
            log('removed image(s) %s of app %s' % (', '.join(removed),
                                                   app.uuid))
        return removed
