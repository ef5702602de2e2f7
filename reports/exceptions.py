"""Errors of the report pages; the message is the sentence the reader sees, in their language."""


class SemesterCodeError(ValueError):
    """A semester code that is not `<year>-autumn` or `<year>-spring`; the message says what to use."""


class ScopeRefused(Exception):
    """A report page cannot show what the query asks for: the page says `message` with `status`."""

    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ScopeInvalidError(ScopeRefused):
    """The query is wrong (not a number, not a semester, two things at once): 400."""

    status = 400


class ScopeForbiddenError(ScopeRefused):
    """The reader may not read this report, or not for this school or pairing: 403."""

    status = 403


class ScopeNotFoundError(ScopeRefused):
    """No such school, pairing or teacher: 404."""

    status = 404
