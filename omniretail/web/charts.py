"""Plotly charts as our pages show them: white, no tool bar. The figure goes into the page as
JSON beside an empty box, and web/behaviours.js draws it with plotly.js (the static file
plotly/plotly.min.js, found in the installed package, never a CDN): no inline script, so the
pages' CSP needs none."""

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# what django.utils.html.json_script escapes, so the JSON cannot close its script element
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def render(figure, **layout) -> SafeString:
    figure.update_layout(plot_bgcolor="#fff", paper_bgcolor="#fff", **layout)
    spec = figure.to_json()[:-1] + ',"config":{"displayModeBar":false,"responsive":true}}'
    height = figure.layout.height or 450
    return format_html(
        '<div class="chart" data-plotly style="height:{}px"></div>'
        '<script type="application/json">{}</script>',
        height,
        mark_safe(spec.translate(_JSON_ESCAPES)),  # plotly's JSON of numbers we computed
    )
