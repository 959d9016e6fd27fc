"""python -m digitrec: see digitrec/cli.py."""

import sys

from digitrec.cli import main

sys.exit(main())
