"""The domain core: readings, gate windows, features, wait -> state, statuses.

Standard library only: no framework, no cloud SDK, no serialisation library.
"""
