"""``python -m mlesym``: the same as the ``mlesym`` command."""

import sys

from .cli import main

sys.exit(main())
