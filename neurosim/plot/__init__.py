"""Pictures of networks and their training, drawn with matplotlib.

Every function takes an optional matplotlib ``ax`` (where it draws one
picture), returns what it drew on (the Axes, or the Figure of a multi-panel
plot, or the Animation) and never calls ``plt.show()``: show or save the
result yourself.
"""

from neurosim.plot.engines import engines
from neurosim.plot.trajectories import watched

__all__ = ["engines", "watched"]
