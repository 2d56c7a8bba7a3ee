"""The work queue: imports and jobs wait in the metastore and are run by workers.

A worker claims an item (exactly one worker gets it), holds a lease it renews with
heartbeats while it works, and records the end state. An item whose worker stops
heartbeating (killed, say) is failed, or requeued by setting, once its lease expires:
never "running" forever.
"""
