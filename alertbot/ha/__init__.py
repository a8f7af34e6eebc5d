"""High availability on PostgreSQL: several ``alertbot run`` processes, one leader.

- ``url``: the ``postgresql://`` value of ``ALERTBOT_STATE`` and its redacted form.
- ``migrations``: the schema, versioned, applied at start under a transaction-level lock.
- ``lease``: the leader lease row with its epoch (fencing token), on the database clock.
- ``leadership``: the loop that claims and renews the lease and says who leads.
"""
