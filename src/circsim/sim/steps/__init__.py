"""The steps of the model's year, one module each (the ODD's process overview):
funding to posts, demography, contract ends, the job market (choice, hiring,
matching), long visits, returns, research production and topic diffusion. A step's
compiled (numba) loops sit beside it, in ``<step>_kernels.py``."""
