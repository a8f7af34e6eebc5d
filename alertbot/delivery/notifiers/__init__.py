"""Notifiers: one small class per chat service, registered by the channel ``type``.

Adding a service is one file here that subclasses ``Notifier`` and decorates itself with
``@register``; importing this package imports every built-in one.
"""

from alertbot.delivery.notifiers import console, slack, telegram  # noqa: F401 - registers them
from alertbot.delivery.notifiers.base import NOTIFIERS, Message, Notifier, build_notifier

__all__ = ["NOTIFIERS", "Message", "Notifier", "build_notifier"]
