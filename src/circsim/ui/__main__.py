"""``python -m circsim.ui [--host HOST] [--port P] [--store DIR]`` serves the interface."""

from .server import main

raise SystemExit(main())
