"""Handles of the training callbacks attached to a network."""

from __future__ import annotations


class CallbackHandle:
    """What ``Network.add_callback`` returns: ``remove()`` detaches the callback.

    Examples
    --------
    >>> callbacks = ["a", "b"]
    >>> handle = CallbackHandle(callbacks, "a")
    >>> handle.remove(); handle.remove()   # removing twice is harmless
    >>> callbacks
    ['b']
    """

    def __init__(self, callbacks: list[object], callback: object) -> None:
        self._callbacks = callbacks
        self.callback = callback

    @property
    def attached(self) -> bool:
        """Whether the callback is still attached."""
        return any(item is self.callback for item in self._callbacks)

    def remove(self) -> None:
        """Detach the callback; later ``fit`` calls no longer call it."""
        for i, item in enumerate(self._callbacks):
            if item is self.callback:
                del self._callbacks[i]
                return

    def __repr__(self) -> str:
        state = "attached" if self.attached else "removed"
        return f"CallbackHandle({self.callback!r}, {state})"
