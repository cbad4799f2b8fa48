"""Pictures of networks and their training, drawn with matplotlib.

Every function takes an optional matplotlib ``ax`` (where it draws one
picture), returns what it drew on (the Axes, or the Figure of a multi-panel
plot, or the Animation) and never calls ``plt.show()``: show or save the
result yourself. In a Jupyter notebook each picture shows once, and an
animation plays (``neurosim.plot.notebook`` draws what a network shows
there).
"""

from neurosim.plot.animation import animate_training
from neurosim.plot.boundary import decision_boundary, map_limits, neuron_maps
from neurosim.plot.classification import confusion_matrix, input_weights
from neurosim.plot.diagnosis import diagnosis
from neurosim.plot.engines import engines
from neurosim.plot.history import history
from neurosim.plot.network import network
from neurosim.plot.optimizers import loss_curves, loss_surface, optimizer_paths
from neurosim.plot.saving import save
from neurosim.plot.watched import watched
from neurosim.plot.weights import weights

__all__ = [
    "animate_training",
    "confusion_matrix",
    "decision_boundary",
    "diagnosis",
    "engines",
    "history",
    "input_weights",
    "loss_curves",
    "loss_surface",
    "map_limits",
    "network",
    "neuron_maps",
    "optimizer_paths",
    "save",
    "watched",
    "weights",
]
