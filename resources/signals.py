"""Signals the library sends. Bulk writes bypass post_save, so they announce what they changed here."""
from django.dispatch import Signal

# Sent inside the transaction of a bulk write with `resource_ids`: the resources created or changed.
resources_changed = Signal()

# Sent when only counters (views, downloads) changed: search refreshes its sort values lazily.
resource_counts_changed = Signal()

# Sent to ask whether `user` may read `resource` through something outside the library that holds it, such as a
# research group's 评课 of its video: a receiver answers True to let them read it (page, lesson page and files).
# Asked only when the library's own rule (selectors.resource_visible_q) says no, for one resource at a time.
resource_readers = Signal()
