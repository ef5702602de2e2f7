"""Signals the library sends. Bulk writes bypass post_save, so they announce what they changed here."""
from django.dispatch import Signal

# Sent inside the transaction of a bulk write with `resource_ids`: the resources created or changed.
resources_changed = Signal()

# Sent when only counters (views, downloads) changed: search refreshes its sort values lazily.
resource_counts_changed = Signal()
