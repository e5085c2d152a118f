"""The ``coexist`` command line (thin: parse, call coexist.api, print)."""
