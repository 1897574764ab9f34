"""The Gradio playground: brief, storyboard, edits, approval and variants in a web page.

Importing it turns Gradio's analytics and the Hugging Face hub's network calls off (unless
the environment already says otherwise), before Gradio itself is imported.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
