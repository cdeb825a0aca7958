"""Customer messages: texts and placeholders, quiet hours, channels and request signing.

The outbox rows and the owner's texts are models (``apps.orders.models``); the
writes (enqueue, deliver, retry, the due sweep) are services
(``apps.orders.services.notifications``). This package holds what those need
and can be tested without a database.
"""
