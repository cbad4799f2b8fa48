"""What the doctor found: ``Finding``, one problem with its evidence, and ``Report``, all of them.

A finding is evidence, not a verdict: it names the neurons, synapses or
layers concerned (``where``), quotes the numbers behind it (``evidence``),
says what it means in a sentence or two (``message``) and what to try
(``advice``). ``code`` is a stable identifier from the catalogue in
``neurosim.diagnostics.doctor``.

Examples
--------
>>> finding = Finding("dead-neurons", "warning", ("hidden1[2]",), {"hidden1[2]": {"z_max": -3.1}},
...                   "hidden1[2] is dead.", "Lower the learning rate.")
>>> report = Report([finding])
>>> report.ok, report.codes
(False, ['dead-neurons'])
>>> print(report)
1 finding: 1 warning
<BLANKLINE>
warning  dead-neurons  hidden1[2]
  hidden1[2] is dead.
  try: Lower the learning rate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from neurosim._text import Text

#: the severities, most severe first; ``error`` and ``warning`` make a report not ``ok``
SEVERITIES = ("error", "warning", "info")
WHERE_SHOWN = 8


@dataclass(frozen=True)
class Finding:
    """One problem the doctor found, with the evidence for it.

    Attributes
    ----------
    code : str
        Its identifier in the doctor's catalogue, e.g. ``"dead-neurons"``.
    severity : {"error", "warning", "info"}
        ``error``: the network cannot learn the task as it is; ``warning``:
        it will learn badly or slowly; ``info``: worth knowing, often harmless.
    where : tuple of str
        The neurons (``"hidden1[2]"``), synapses (``"input[0] -> hidden1[2]"``),
        layers (``"hidden1"``) or input columns concerned.
    evidence : dict
        The numbers behind the finding, by culprit where there are culprits.
    message : str
        What was found, naming the culprits and quoting the numbers.
    advice : str
        What to try.
    epoch : int or None
        During training, the epoch after which it was first found.
    """

    code: str
    severity: str
    where: tuple[str, ...]
    evidence: dict[str, Any]
    message: str
    advice: str
    epoch: int | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}; got {self.severity!r}")
        object.__setattr__(self, "where", tuple(self.where))

    @property
    def rank(self) -> int:
        """0 for errors, 1 for warnings, 2 for information: the order a report lists them in."""
        return SEVERITIES.index(self.severity)

    def __str__(self) -> str:
        names = ", ".join(self.where[:WHERE_SHOWN])
        if len(self.where) > WHERE_SHOWN:
            names += f" and {len(self.where) - WHERE_SHOWN} more"
        when = f" (seen after epoch {self.epoch})" if self.epoch is not None else ""
        head = f"{self.severity:<8} {self.code}{when}" + (f"  {names}" if names else "")
        return f"{head}\n  {self.message}\n  try: {self.advice}"


@dataclass
class Report:
    """Everything the doctor found about a network, most severe first.

    ``ok`` is ``False`` when any finding is an error or a warning.
    ``report["dead-neurons"]`` is the finding with that code (``KeyError``
    when there is none); ``"dead-neurons" in report`` asks whether there is one.
    """

    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=lambda finding: finding.rank)

    @property
    def ok(self) -> bool:
        """Whether no finding is an error or a warning."""
        return all(finding.severity == "info" for finding in self.findings)

    @property
    def codes(self) -> list[str]:
        """The codes of the findings, most severe first."""
        return [finding.code for finding in self.findings]

    def __getitem__(self, code: str) -> Finding:
        for finding in self.findings:
            if finding.code == code:
                return finding
        raise KeyError(f"no finding {code!r}; the report has {self.codes or 'none'}")

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __str__(self) -> str:
        if not self.findings:
            return "no findings: nothing the doctor checks for looks wrong"
        counts = [
            f"{n} {severity}{'s' if n > 1 and severity != 'info' else ''}"
            for severity in SEVERITIES
            if (n := sum(f.severity == severity for f in self.findings))
        ]
        total = len(self.findings)
        head = f"{total} finding{'s' if total > 1 else ''}: {', '.join(counts)}"
        return "\n\n".join([head, *map(str, self.findings)])

    def __repr__(self) -> str:
        return str(Text(str(self)))
