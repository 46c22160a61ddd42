"""The prefilter: which windows of a column the rules must read.

column.py scans a whole Arrow string column at once with hyperscan; keywords.py
makes the keyword patterns (the packs' names, makers and phrases as written or
nearly); detectors.py the obfuscation detectors (what only normalisation reads
as a keyword).
"""

from .column import DETECTOR, KeywordHit, Prefilter
from .keywords import keyword_pattern, right_bounded, splits

__all__ = ["DETECTOR", "KeywordHit", "Prefilter", "keyword_pattern", "right_bounded", "splits"]
