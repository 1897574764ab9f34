"""Image-to-video clips: hosted engines (Runway, Veo, Luma) behind the clip interface.

- ``engines``: the engine interface, its errors and the engine table (``engines.json``).
- ``runway``, ``veo``, ``luma``, ``sim``: one engine each, official SDKs imported lazily.
- ``ledger``: the task ledger port (a provider task id written before waiting); ``FileLedger``.
- ``generate``: one shot's clip, paid for at most once. ``fit``: the clip fitted to its shot.
- ``backend``: the ``ClipBackend`` adapters registered as "runway", "veo", "luma", "sim".
"""
