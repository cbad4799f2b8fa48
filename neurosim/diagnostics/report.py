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

import html
import numbers
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from neurosim._text import Text, html_or_plain, html_table, plain

#: the severities, most severe first; ``error`` and ``warning`` make a report not ``ok``
SEVERITIES = ("error", "warning", "info")
WHERE_SHOWN = 8
#: the most culprits a notebook's table of a finding's evidence shows
EVIDENCE_ROWS_SHOWN = 20
#: the colour a notebook writes each severity in
SEVERITY_COLOURS = {"error": "#b2182b", "warning": "#b35806", "info": "#555555"}


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
        names = _where_text(self.where)
        when = f" (seen after epoch {self.epoch})" if self.epoch is not None else ""
        head = f"{self.severity:<8} {self.code}{when}" + (f"  {names}" if names else "")
        return f"{head}\n  {self.message}\n  try: {self.advice}"

    def _repr_html_(self) -> str:
        """A notebook shows a finding as its severity, code, message and advice, and its evidence's tables."""
        return html_or_plain(lambda: finding_html(self), self)


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

    def _repr_html_(self) -> str:
        """A notebook shows a report as its headline and each finding with its evidence as a table."""
        return html_or_plain(self._html, self)

    def _html(self) -> str:
        headline = str(self).split("\n", 1)[0]
        findings = [finding_html(finding) for finding in self.findings]
        return "<div>" + "\n<hr>\n".join([f"<p><b>{html.escape(headline)}</b></p>", *findings]) + "</div>"


def finding_html(finding: Finding) -> str:
    """The finding as HTML: a heading, the message, the advice, and tables of the evidence.

    Examples
    --------
    >>> finding = Finding("dead-neurons", "error", ("hidden1[2]",), {"hidden1[2]": {"z_max": -3.1}},
    ...                   "hidden1[2] is dead.", "Lower the learning rate.")
    >>> print(finding_html(finding))
    <div><p><b style="color: #b2182b">error</b> <code>dead-neurons</code>: hidden1[2]</p>
    <p>hidden1[2] is dead.</p>
    <p><i>try:</i> Lower the learning rate.</p>
    <table><caption>evidence</caption>
    <tr><th>where</th><th>z_max</th></tr>
    <tr><th>hidden1[2]</th><td>-3.1</td></tr>
    </table></div>
    """
    when = f" (seen after epoch {finding.epoch})" if finding.epoch is not None else ""
    names = _where_text(finding.where)
    head = (
        f'<b style="color: {SEVERITY_COLOURS[finding.severity]}">{finding.severity}</b> '
        f"<code>{html.escape(finding.code)}</code>{when}" + (f": {html.escape(names)}" if names else "")
    )
    parts = [
        f"<p>{head}</p>",
        f"<p>{html.escape(finding.message)}</p>",
        f"<p><i>try:</i> {html.escape(finding.advice)}</p>",
        *_evidence_tables(finding.evidence),
    ]
    return "<div>" + "\n".join(parts) + "</div>"


def _where_text(where: tuple[str, ...]) -> str:
    """The first few names of ``where``, and how many more there are."""
    names = ", ".join(where[:WHERE_SHOWN])
    if len(where) > WHERE_SHOWN:
        names += f" and {len(where) - WHERE_SHOWN} more"
    return names


def _evidence_tables(evidence: dict[str, Any]) -> list[str]:
    """The evidence as HTML tables: one row per culprit with its numbers, and one of the other numbers."""
    # the culprits: the most entries that are dicts of numbers with the same names
    shapes = [tuple(value) for value in evidence.values() if isinstance(value, dict)]
    common = max(shapes, key=shapes.count, default=None)
    culprits = {
        name: value for name, value in evidence.items() if isinstance(value, dict) and tuple(value) == common
    }
    others = {name: value for name, value in evidence.items() if name not in culprits}
    tables = []
    if culprits:
        columns = list(dict.fromkeys(key for numbers in culprits.values() for key in numbers))
        rows = [
            [str(name), *(_value_text(numbers.get(key)) for key in columns)]
            for name, numbers in list(culprits.items())[:EVIDENCE_ROWS_SHOWN]
        ]
        caption = "evidence"
        if len(culprits) > EVIDENCE_ROWS_SHOWN:
            caption += f": the first {EVIDENCE_ROWS_SHOWN} of {len(culprits)}"
        tables.append(html_table(["where", *map(str, columns)], rows, caption=caption))
    if others:
        rows = [[str(name), _value_text(value)] for name, value in others.items()]
        tables.append(html_table(["number", "value"], rows, caption="evidence" if not culprits else None))
    return tables


def _value_text(value: object) -> str:
    """A number of the evidence as a table shows it: 4 significant digits, ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, (bool, numbers.Integral)):
        return str(value)
    if isinstance(value, numbers.Real):
        return plain(float(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_value_text(item)}" for key, item in value.items())
    return str(value)
