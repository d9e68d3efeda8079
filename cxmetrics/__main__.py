"""`python -m cxmetrics`: the command line."""

import sys

from cxmetrics.cli import main

sys.exit(main())
