"""``python -m circsim`` runs the command line."""

from .cli import main

raise SystemExit(main())
