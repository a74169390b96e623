"""PANDA: learning to actively learn under parity constraints (Sharaf et al., 2022).

:class:`PandaQuerySelector` is the scikit-learn estimator and
:class:`PandaEncoder` its pretrained representation alone; the torch modules
(encoder, set-Transformer policy, Gumbel-top-k, differentiable disparities,
ACTIVELEARNSIM, forward/proximal steps) live in :mod:`skpanda.panda._nn` and are
imported only when a PANDA selector is fitted, used or loaded. Importing this
package registers the method ``"panda"`` with :func:`skpanda.selectors.register_selector`.
"""

from ..selectors import register_selector
from ._encoder import PandaEncoder
from ._selector import PandaQuerySelector

register_selector("panda", PandaQuerySelector, label="PANDA", parity_aware=True)

__all__ = ["PandaEncoder", "PandaQuerySelector"]
