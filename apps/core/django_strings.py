"""Strings of Django itself that its own Simplified Chinese catalogue does not translate yet.

Listing them here puts them in our catalogue, which takes precedence.
"""

from django.utils.translation import gettext_lazy as _

DJANGO_STRINGS = (_("- Select an option -"),)
