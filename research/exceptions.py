"""Errors of teaching-research work that a member can fix; the message is the sentence they see."""


class ResearchError(ValueError):
    """Base: `str(error)` is shown to the user in their language."""


class NotAMemberError(PermissionError):
    """The user is not a member of the group (views answer 404 so a private group is not revealed)."""


class NotAllowedError(PermissionError):
    """A member without the role the action needs (views answer 403 with the message)."""


class PostRejectedError(ResearchError):
    """A post that cannot be saved as sent (empty, too long, bad attachment)."""


class ScheduleError(ResearchError):
    """A series or occurrence change that does not make sense (last date before the first, …)."""


class IncompleteRecordError(ResearchError):
    """Submitting an observation record with points left without a score."""


class PolishingError(ResearchError):
    """A polishing or parallel-lessons change that cannot be saved as sent."""


class MentoringError(ResearchError):
    """A mentorship change that cannot be saved as sent."""
