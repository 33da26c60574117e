"""The image store driver interface."""

import abc


class StoreError(Exception):
    """Storing or deleting an image failed; the message is the reason."""


class ImageStore(abc.ABC):
    """Keeps the images the builder produces.

    Every image the builder builds is first in the local container storage
    (buildah's), tagged ``localhost/solum/<project>/<app>:<build-id>`` and
    labelled with the app's uuid (``org.openstack.solum.app``), its commit
    and build id.  A store makes it available to the deployer.
    """

    name = None

    @abc.abstractmethod
    def store(self, context, image, log):
        """Store ``image`` (a solum.builder.stages.BuiltImage).

        Returns the dict recorded in the workflow's result: at least
        ``image`` (the reference the deployer runs) and ``image_id``.
        """

    @abc.abstractmethod
    def delete_app_images(self, context, app, log):
        """Remove every image stored for ``app`` (uuid, name, project_id);
        returns what was removed."""
