"""The coverage report as ONE self-contained HTML file: inline CSS and script, no external URL.

A Content-Security-Policy that allows nothing but the inline style and script keeps it that way even
if a spec's text held a URL. The script filters the rows (a text box, "uncalled only") and writes how
many operations are shown, so a browser test can tell that it ran. Every text is escaped.
"""

from __future__ import annotations

from html import escape

from kpn_contract.coverage.lines import percent_text, totals_line
from kpn_contract.coverage.model import CoverageReport, OperationCoverage, SpecCoverage

__all__ = ["render_html"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #1a1a1a; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; }
tr.uncalled td { color: #a00; }
code { font-size: 0.95em; }
#controls { margin: 1em 0; }
"""

_SCRIPT = """
(function () {
  var box = document.getElementById('filter');
  var uncalled = document.getElementById('uncalled-only');
  var shown = document.getElementById('shown');
  function apply() {
    var text = box.value.toLowerCase();
    var count = 0;
    document.querySelectorAll('tr.operation').forEach(function (row) {
      var visible = row.dataset.operation.toLowerCase().indexOf(text) !== -1
        && (!uncalled.checked || row.dataset.calls === '0');
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + ' operations shown';
  }
  box.addEventListener('input', apply);
  uncalled.addEventListener('change', apply);
  apply();
})();
"""


def _list(values: list[str]) -> str:
    return ", ".join(f"<code>{escape(v)}</code>" for v in values) or "-"


def _row(op: OperationCoverage) -> str:
    data = op.to_dict()
    seen = ", ".join(f"{escape(code)}&nbsp;&times;{n}" for code, n in data["statuses_seen"].items()) or "-"
    exercised = f"{len(data['parameters_exercised'])}/{len(data['parameters_declared'])}"
    row_class = "operation" if op.calls else "operation uncalled"
    return (
        f'<tr class="{row_class}" data-operation="{escape(op.operation.key)}" data-calls="{op.calls}">'
        f"<td><code>{escape(op.operation.key)}</code></td>"
        f'<td class="num">{op.calls}</td>'
        f'<td class="statuses-seen">{seen}</td>'
        f"<td>{_list(data['statuses_declared'])}</td>"
        f"<td>{exercised} {_list(data['parameters_exercised'])}</td>"
        f"<td>{_list(data['request_media_types_seen'])}</td>"
        f"<td>{_list(data['response_media_types_seen'])}</td></tr>"
    )


def _spec(spec: SpecCoverage) -> str:
    head = (
        f'<section class="spec" data-spec="{escape(spec.spec.title)}">'
        f"<h2>{escape(spec.spec.title)} {escape(spec.spec.version)} <small>({escape(spec.name)})</small></h2>"
        f"<p>{spec.operations_called}/{len(spec.operations)} operations "
        f"({percent_text(spec.operations_percent)}), {spec.statuses_covered}/{spec.statuses_declared} "
        f"statuses, {spec.calls} calls</p>"
    )
    if not spec.operations:
        return head + "<p>No operations declared.</p></section>"
    rows = "".join(_row(op) for op in spec.operations)
    return (
        head + "<table><thead><tr><th>operation</th><th>calls</th><th>statuses seen</th>"
        "<th>declared</th><th>parameters exercised</th><th>request media types</th>"
        f"<th>response media types</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def render_html(report: CoverageReport) -> str:
    """The whole page; redaction happens in :func:`kpn_contract.coverage.render.render`."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>Contract coverage ({escape(report.source)})</title><style>{_STYLE}</style></head><body>"
        f"<h1>Contract coverage ({escape(report.source)})</h1>"
        f'<p id="totals" data-operations-called="{report.operations_called}" '
        f'data-operations-declared="{report.operations_declared}" '
        f'data-statuses-covered="{report.statuses_covered}" '
        f'data-statuses-declared="{report.statuses_declared}">{escape(totals_line(report))}</p>'
        '<div id="controls"><label>filter <input id="filter" type="search"></label> '
        '<label><input id="uncalled-only" type="checkbox"> uncalled only</label> '
        '<span id="shown"></span></div>'
        f"{''.join(_spec(spec) for spec in report.specs)}"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
