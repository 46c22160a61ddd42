"""scanner: find rival-model self-introductions in training corpora before training does."""

__version__ = "0.1.0"

from .errors import InputError, PackError, ScannerError  # noqa: E402
from .hits import Hit  # noqa: E402
from .packs import load_packs  # noqa: E402
from .scan import Scanner  # noqa: E402

__all__ = ["Hit", "InputError", "PackError", "Scanner", "ScannerError", "load_packs", "__version__"]
