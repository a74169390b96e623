"""PANDA: learning to actively learn under parity constraints (Sharaf et al., 2022).

:class:`PandaQuerySelector` is the scikit-learn estimator; the torch modules
(encoder, set-Transformer policy, Gumbel-top-k, differentiable disparities,
ACTIVELEARNSIM, forward/proximal steps) live in :mod:`skpanda.panda._nn` and are
imported only when a PANDA selector is fitted, used or loaded.
"""

from ._selector import PandaQuerySelector

__all__ = ["PandaQuerySelector"]
