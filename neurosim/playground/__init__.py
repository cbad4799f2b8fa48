"""``neurosim playground``: a page in the browser to train small networks on points in the plane.

The training runs in neurosim, in the Python process that serves the page
(``neurosim.playground.server``); the page only draws and asks. One
``Session`` (``neurosim.playground.session``) holds each page's points,
network and training, configured by a ``Config``
(``neurosim.playground.config``) that the page's address carries.
"""

from neurosim.playground.config import Config, ConfigError
from neurosim.playground.session import Session

__all__ = ["Config", "ConfigError", "Session"]
