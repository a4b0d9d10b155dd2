"""``python -m circsim`` runs the command line."""

from .cli.main import main

raise SystemExit(main())
