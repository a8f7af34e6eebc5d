"""Faithful simulators of the brokers' servers and the chat APIs, on loopback."""
