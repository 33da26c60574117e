"""Image stores: where a built image is kept (one driver interface).

Drivers are loaded by name from the ``solum.image_stores`` entry point
namespace; ``[builder] image_store`` picks one.
"""

from stevedore import driver

from solum import conf

CONF = conf.CONF
NAMESPACE = 'solum.image_stores'


def get_store(name=None):
    """The configured image store driver, instantiated."""
    mgr = driver.DriverManager(NAMESPACE, name or CONF.builder.image_store,
                               invoke_on_load=True)
    return mgr.driver
