"""Who may read a file posted in a 教研 thread: the members of the thread's group, no one else."""
from core.sending import PRIVATE, StoredFile

from .permissions import group_can_read


def post_attachment_readable(user, attachment) -> bool:
    return user.is_authenticated and group_can_read(user=user, group=attachment.post.thread.group)


def post_attachment_file(attachment) -> StoredFile:
    return StoredFile(PRIVATE, attachment.file.name, "post_attachment", False,
                      lambda user: post_attachment_readable(user, attachment))


