"""The language packs every Solum has, apart from those a project
registers (``/v1/language_packs``)."""

BUILTIN = ('python', 'nodejs', 'dockerfile')
AUTO = 'auto'  # detect which built-in pack fits the source


def is_builtin(name):
    """Is ``name`` a pack Solum brings (or ``auto``), not a project's?"""
    return name in BUILTIN or name == AUTO


def builtin_names():
    """The names an app file may always use, for error messages."""
    return BUILTIN + (AUTO,)
