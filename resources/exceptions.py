class CatalogueError(ValueError):
    """A catalogue or chapter-tree input that cannot be imported at all; the message says what to do."""


class ResourceImportError(ValueError):
    """A resource file that cannot be imported at all (missing, unreadable, empty)."""
