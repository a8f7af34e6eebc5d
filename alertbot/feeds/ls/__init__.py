"""LS Securities OPEN API: token, WebSocket protocol and client."""
