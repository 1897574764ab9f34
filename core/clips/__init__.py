"""Image-to-video clips: hosted engines (Runway, Veo, Luma) behind the clip interface.

- ``engines``: the engine interface, its errors and the engine table (``engines.json``).
- ``runway``, ``veo``, ``luma``, ``sim``: one engine each, official SDKs imported lazily;
  ``sdk``: what the three hosted ones share (key check, SDK, errors, keyed download).
- ``keyframes``: clips start from the approved storyboard's panels (as is, recropped, redrawn).
- ``ledger``: the task ledger port (a provider task id written before waiting); ``FileLedger``.
- ``generate``: one shot's clip, paid for at most once. ``fit``: the clip fitted to its shot.
- ``backend``: the ``ClipBackend`` adapters registered as "runway", "veo", "luma", "sim".
"""
