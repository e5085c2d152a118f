"""``python -m coexist.cli`` runs the ``coexist`` command."""

import sys

from coexist.cli.main import main

sys.exit(main())
