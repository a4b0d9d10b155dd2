"""The circsim interface (Solara): a live model page with run controls, lever controls,
a world flow map, Japan's academia by age band, headline indicators against the observed
points, a career inspector and an indicator table; and a comparison page for result
stores. Start it with ``circsim ui``. The model knows nothing of this package.
"""
