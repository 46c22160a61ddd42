"""Near-duplicate matching: near copies of known self-introductions that no regex spells.

`references` loads the library (`patterns/references/`) and the user's files,
`sketch` makes shingles, MinHash signatures and the LSH index, `matcher` finds
near copies around keyword hits, `sentences` cuts text into the windows both
sides share.
"""

from .matcher import DEFAULT_NUM_PERM, DEFAULT_THRESHOLD, NearDup, NearDupOptions, NearMatch
from .references import Reference, load_library, read_references

__all__ = [
    "DEFAULT_NUM_PERM",
    "DEFAULT_THRESHOLD",
    "NearDup",
    "NearDupOptions",
    "NearMatch",
    "Reference",
    "load_library",
    "read_references",
]
