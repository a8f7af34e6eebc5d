"""Broker feeds: wire messages in, normalized events out."""
