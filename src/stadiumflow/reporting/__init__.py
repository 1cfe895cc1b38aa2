"""Match-day reports: what each gate's wait did through a day, with the advice issued,
the anomalies raised and, on simulated days, how far the model was from the truth.

``day`` reads one stadium's day from the gate store (and a truth CSV); ``plots`` draws
PNGs with matplotlib's object API (no pyplot state, no display); ``page`` writes the HTML.
"""
