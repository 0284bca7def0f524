"""``adsim app``: a local what-if page (optional extra ``adsim[app]``, built on Panel).

``sim.app.query`` holds what a view is (scenario, overrides, runs, seed), how it reads from
and writes to the page's URL, and which paths get sliders; ``sim.app.upload`` checks an
uploaded scenario as the command line checks a file; ``sim.app.job`` runs a view in a
background thread and keeps the replications received so far; ``sim.app.live`` draws them
as they arrive (Bokeh); ``sim.app.page`` is the Panel page that ties them together.
"""
