"""The doctor's checks on the course of training: the losses epoch by epoch, and the update sizes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import plain
from neurosim.diagnostics.report import Finding

if TYPE_CHECKING:
    from neurosim.core import Network, WeightBlock
    from neurosim.diagnostics.settings import Settings


def update_ratios(
    network: Network, grads: dict[WeightBlock, np.ndarray], lr: float
) -> dict[str, dict[str, float]]:
    """Per layer, ``lr * |grad| / |w|`` (root mean squares over the weights into it) and ``|grad| / |w|``."""
    ratios = {}
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for layer in network.layers[1:]:
            blocks = [block for block in network.blocks if block.target is layer]
            weight = sum(float(np.sum(np.square(block.weight))) for block in blocks)
            grad = sum(float(np.sum(np.square(grads[block]))) for block in blocks)
            if weight > 0 and np.isfinite(weight) and np.isfinite(grad):
                relative = float(np.sqrt(grad / weight))
                ratios[layer.name] = {"grad_to_weight": relative, "update_to_weight": lr * relative}
    return ratios


def rising_loss(losses: list[float], lr: float | None, settings: Settings) -> Finding | None:
    """The epoch loss rose well above the lowest it had reached before: updates overshoot.

    ``lr`` is the learning rate trained with, quoted when known.
    """
    values = np.asarray(losses, dtype=float)
    if len(values) < 2 or not np.all(np.isfinite(values)):
        return None
    lowest_before = np.minimum.accumulate(values)[:-1]
    rise = values[1:] / np.where(lowest_before > 0, lowest_before, np.inf)
    # large against the lowest so far, and against the loss training started from, so that the bumps of
    # mini-batch training near the minimum are not taken for overshooting
    rise[values[1:] - lowest_before < settings.rise_of_first * values[0]] = 0.0
    epoch = int(np.argmax(rise)) + 2
    if rise[epoch - 2] < settings.rising_loss:
        return None
    low_epoch = int(np.argmin(values[: epoch - 1])) + 1
    evidence = {
        "lr": lr,
        "lowest_loss": float(values[low_epoch - 1]),
        "at_epoch": low_epoch,
        "risen_loss": float(values[epoch - 1]),
        "risen_at_epoch": epoch,
        "final_loss": float(values[-1]),
    }
    message = (
        f"the loss rose from {plain(evidence['lowest_loss'])} at epoch {low_epoch} to "
        f"{plain(evidence['risen_loss'])} at epoch {epoch} ({rise[epoch - 2]:.3g} times as large): updates "
        f"{'' if lr is None else f'with lr={lr:g} '}overshoot the minimum instead of approaching it."
    )
    factor = "3 to 10" if rise[epoch - 2] < 100 else "10 to 100"  # the faster the rise, the further down
    below = 3 if rise[epoch - 2] < 100 else 10
    smaller = "" if lr is None else f" (lr={lr / below:.3g} or less)"
    advice = (
        f"a learning rate {factor} times smaller{smaller}; if the inputs are far from unit scale, "
        "scale them first"
    )
    return Finding("learning-rate-too-large", "warning", (), evidence, message, advice, epoch=epoch)


def flat_loss(
    losses: list[float], ratios: dict[str, dict[str, float]], lr: float, settings: Settings
) -> Finding | None:
    """A loss that hardly moves while the gradients are not small: the steps are too short."""
    if len(losses) < settings.patience or not ratios or not np.all(np.isfinite(losses)):
        return None
    first, last = losses[0], losses[-1]
    if first <= 0 or abs(first - last) > settings.flat_loss * first:
        return None
    tiny = all(
        r["update_to_weight"] < settings.small_update_ratio
        and r["grad_to_weight"] > settings.working_gradient
        for r in ratios.values()
    )
    if not tiny:
        return None
    evidence = {**ratios, "lr": lr, "first_loss": first, "last_loss": last, "epochs": len(losses)}
    largest = max(r["update_to_weight"] for r in ratios.values())
    message = (
        f"over {len(losses)} epochs the loss went from {plain(first)} to {plain(last)}, while each update "
        f"with lr={lr:g} changes the weights by at most {largest:.2g} of their size although the gradients "
        "are not small: the steps are too short to get anywhere."
    )
    advice = f"a larger learning rate (try lr={lr * 100:g}, then adjust)"
    return Finding("learning-rate-too-small", "warning", tuple(ratios), evidence, message, advice)


def overfitting(losses: list[float], val_losses: list[float], settings: Settings) -> Finding | None:
    """The validation loss rising again while the training loss keeps falling."""
    if len(val_losses) < settings.patience or not np.all(np.isfinite(val_losses)):
        return None
    best = int(np.argmin(val_losses))
    recent = val_losses[-settings.patience :]
    # risen for a while, not one noisy epoch: every one of the last `patience` epochs is well above the lowest
    if len(val_losses) - 1 - best < settings.patience or min(recent) <= val_losses[best] * (
        1 + settings.overfit_rise
    ):
        return None
    lowest, final = val_losses[best], val_losses[-1]
    # and by a margin that matters next to where training started, not a rise from 0.008 to 0.013
    still_learning = losses[-1] < (1 - settings.overfit_rise) * losses[best]
    if not still_learning or final - lowest < settings.overfit_rise * val_losses[0]:
        return None
    evidence = {
        "val_loss_lowest": lowest,
        "at_epoch": best + 1,
        "val_loss_final": final,
        "loss_at_lowest": losses[best],
        "loss_final": losses[-1],
    }
    message = (
        f"the validation loss was lowest at epoch {best + 1} ({plain(lowest)}) and rose to {plain(final)} "
        f"by epoch {len(val_losses)}, while the training loss fell from {plain(losses[best])} to "
        f"{plain(losses[-1])}: the network learns the training samples rather than the pattern."
    )
    advice = f"stop at about epoch {best + 1}, use a smaller network, or train on more data"
    return Finding("overfitting", "warning", (), evidence, message, advice)
