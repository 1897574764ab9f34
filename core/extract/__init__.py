"""Thread to brief, offline: the embedded ``heuristic`` extractor, as a package.

    threads     raw input (JSON exports, "alice: ..." lines) to ``Message`` values
    rules       the sentence-by-sentence reader: every field, corrections, notices
    fields      the generalising pass over the whole thread: product and brand, call to
                action and URL, characters and their looks, must-include, avoid, length
    confidence  how sure each field is, and the one follow-up question
    vocabulary  word lists as data files under ``data/``

The public names other code imports (``extract_brief``, ``parse_thread``, ...) live here.
"""

from __future__ import annotations

from cutroom.core.extract.rules import (
    BOT_AUTHORS,
    ESSENTIALS,
    HeuristicExtractor,
    extract_brief,
    follow_up_question,
)
from cutroom.core.extract.threads import parse_thread

__all__ = [
    "BOT_AUTHORS",
    "ESSENTIALS",
    "HeuristicExtractor",
    "extract_brief",
    "follow_up_question",
    "parse_thread",
]
