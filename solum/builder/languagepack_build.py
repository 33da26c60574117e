"""Building a project's custom language pack: fetch its repository, build
its Containerfile (or Dockerfile) into the pack's image, and record the
pack READY with the image, or ERROR with the reason."""

import os

from oslo_log import log as logging

from solum.builder import buildah
from solum.builder import languagepacks
from solum.builder import source
from solum.builder import stages
from solum.builder import workspace
from solum.common import images as common_images
from solum.common import states
from solum.db import api as db_api

LOG = logging.getLogger(__name__)


def build(lp_uuid):
    """Build the language pack ``lp_uuid``; its status says the outcome."""
    lp = db_api.get_language_pack_by_uuid(None, lp_uuid)
    log = stages.stage_logger(lp.uuid, lp.project_id, 'build')

    def set_status(status, reason=None, **values):
        db_api.update_language_pack(None, lp.uuid, dict(
            values, status=status, reason=reason))
    set_status(states.LP_BUILDING)
    log('building language pack %s from %s' % (lp.name, lp.source_uri))
    try:
        with workspace.workspace(lp.project_id,
                                 'lp-%s' % lp.uuid) as workdir:
            src = os.path.join(workdir, 'src')
            try:
                commit = source.fetch(lp.source_uri, None, src, log,
                                      known_hosts=workspace.known_hosts_file(
                                          lp.project_id))
            except source.SourceError as e:
                raise stages.StageFailed(str(e))
            try:
                _pack, manifest = languagepacks.detect(src, 'dockerfile')
            except languagepacks.NoPackFits:
                raise stages.StageFailed('a language pack repository needs '
                                         'a Containerfile or Dockerfile at '
                                         'its top')
            recipe = languagepacks.Recipe(
                'languagepack', containerfile_path=manifest,
                manifest=manifest)
            ref = common_images.lp_image_ref(lp.project_id, lp.name,
                                             lp.uuid)
            labels = {common_images.LABEL_PACK: lp.name,
                      common_images.LABEL_PROJECT: lp.project_id,
                      common_images.LABEL_COMMIT: commit}
            try:
                image_id = buildah.build(workdir, src, recipe, ref,
                                         labels, log,
                                         project_id=lp.project_id)
            except buildah.BuildError as e:
                raise stages.StageFailed(str(e))
    except stages.StageFailed as e:
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
