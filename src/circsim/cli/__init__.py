"""The ``circsim`` command line: it parses, calls the library and prints what comes back.

- :mod:`circsim.cli.main`: the entry point (``circsim``, ``python -m circsim.cli``);
- :mod:`circsim.cli.parser`: argument types and options shared by the commands;
- one module per command, each declaring its own sub-parser: :mod:`~circsim.cli.run`
  (with :mod:`~circsim.cli.summary`, the tables it prints), :mod:`~circsim.cli.batch`,
  :mod:`~circsim.cli.compare`, :mod:`~circsim.cli.validate`,
  :mod:`~circsim.cli.calibrate`, :mod:`~circsim.cli.sensitivity`, and
  :mod:`~circsim.cli.ui`, which hands over to ``python -m circsim.ui`` (the command line
  never imports the interface).

Command modules import the simulation and the workbench inside their handlers, so
``circsim --help`` and ``circsim ui`` start in a moment.
"""
