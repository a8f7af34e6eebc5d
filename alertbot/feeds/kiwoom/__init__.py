"""Kiwoom REST API WebSocket feed."""
