"""Training-only code: corpus synthesis, the teacher, training and evaluation.

Left out of the extension zip; may import torch, scipy and matplotlib.
"""
