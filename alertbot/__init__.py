"""alertbot: real-time alerts from Korean brokers' feeds to Telegram and Slack."""

__version__ = "0.1.0"
