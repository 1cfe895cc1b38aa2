"""``python -m stadiumflow``: the same CLI as the ``stadiumflow`` command."""

from stadiumflow.entrypoints.cli import main

raise SystemExit(main())
