"""Running the bot for months: HTTP health and metrics, logs, admin notices, chat commands.

Part of the app layer: it reads every other layer, and only ``app`` and ``cli`` import it.
"""
