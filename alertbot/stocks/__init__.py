"""The stock master: every listed stock's name, market and day numbers, by code.

``book`` is the in-memory lookup messages read (it imports nothing of the project, so the
engine may use it); ``store`` keeps it in the state database so a restart without the broker
still has names; ``refresh`` loads it from the broker at start and once a day.
"""
