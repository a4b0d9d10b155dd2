"""The simulation: researchers circulating among countries and sectors.

Everything the model is made of lives here and imports nothing above it: the model and
its yearly steps (:mod:`circsim.sim.steps`, each with its compiled kernels), the
population arrays, parameters, scenarios, input data, levers and indicators. The
workbench, the interface and the command line drive it from above.
"""
