"""The example scenarios shipped with adsim (``adsim examples DIR`` copies them out)."""
