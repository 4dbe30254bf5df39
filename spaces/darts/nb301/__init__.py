"""NAS-Bench-301 (Siems, Zimmer et al. 2020; automl/nasbench301): the CIFAR-10 surrogate oracle of the DARTS space."""
