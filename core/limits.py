"""Every size limit on untrusted input, one value each, for every surface and engine.

Enforced while reading (uploads stop at the limit; threads are cut to their newest part), so
a chat, a model or a provider can never make Cutroom hold more than these.
"""

from __future__ import annotations

#: A thread as the extractors read it: its newest messages up to these sizes.
MAX_MESSAGE_CHARS = 20_000
MAX_THREAD_CHARS = 60_000
MAX_MESSAGES = 500
#: The largest logo any surface accepts (a logo of a few hundred pixels is well under 1 MB).
MAX_LOGO_BYTES = 5 * 1024 * 1024
#: The largest reference picture (a character's or the product's) any surface accepts.
MAX_REFERENCE_BYTES = 10 * 1024 * 1024
#: Width × height above which a picture is refused (about 6000 × 6000 pixels).
MAX_IMAGE_PIXELS = 40_000_000
