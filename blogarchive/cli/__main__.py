"""`python -m blogarchive.cli`: the command line (a worker starts crawls this way)."""

import sys

from . import main

sys.exit(main())
