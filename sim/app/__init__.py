"""``adsim app``: a local what-if page (optional extra ``adsim[app]``, built on Panel).

``sim.app.query`` holds what a view is (scenario, overrides, runs, seed), how it reads from
and writes to the page's URL, and which paths get sliders; ``sim.app.page`` is the Panel page
that runs it in the background and draws the distributions as the replications arrive.
"""
