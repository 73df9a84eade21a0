"""Plotly charts as our pages show them: white, no tool bar, markup only (the page loads
plotly.js from web:m_plotly, served from the installed package, never a CDN)."""

from django.utils.safestring import SafeString, mark_safe


def render(figure, **layout) -> SafeString:
    figure.update_layout(plot_bgcolor="#fff", paper_bgcolor="#fff", **layout)
    html = figure.to_html(include_plotlyjs=False, full_html=False, config={"displayModeBar": False})
    return mark_safe(html)  # plotly's own markup from numbers we computed
