class RosterFileError(ValueError):
    """A people file that cannot be read at all (no header, wrong format): nothing is changed. The message says
    what to do, in the reader's language."""
