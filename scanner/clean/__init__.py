"""The hygiene step: write a cleaned copy of a dataset, and account for every row.

Scan once, decide later: hits come fresh from the Scanner or from an earlier
scan's hits file, and an action decides what becomes of each contaminated row:

- `drop`: to `rejected/` (with the reasons), the rest to `kept/`;
- `tag`: every row kept, with a `contamination` column;
- `redact`: the sentence holding a claim cut out; in chat data the exchange
  (the claim's turn and the user turn it answers), or the conversation;
- `replace`: the claim's words replaced by the user's.

One output file per input file, written under a temporary name and renamed
when complete; `manifest.json` accounts for every row and lets a rerun resume.
"""

from .config import ACTIONS, REDACT_CHAT, CleanConfig, OptionError, load_replacements
from .run import clean_dataset

__all__ = ["ACTIONS", "REDACT_CHAT", "CleanConfig", "OptionError", "clean_dataset", "load_replacements"]
