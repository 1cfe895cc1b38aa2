"""The SimPy match day: the source of training data, of the demo and of our evaluation.

Entry points:
  run_match_day(layout, params, seed, advisor=...)   one stadium, one day (matchday.py)
  generate_training_csv(out, samples, seed)          randomised days -> rows (dataset.py)
  what_if(layout, forecast)                          capacity planning (what_if.py)
  run_gate / erlang_c_mean_wait                      one gate vs. queueing theory

Actors (one generator each): a fan stream per gate, a lane per turnstile, a sensor per
gate, a failure per turnstile incident, and the control room when an advisor is given.
"""
