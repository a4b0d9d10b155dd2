"""The workbench around the simulation: experiment files, the batch runner and its
result store, paired comparisons, reports and figures, validation against observed
patterns, calibration and sensitivity analysis. It drives :mod:`circsim.sim` and knows
nothing of the interface or the command line."""
