"""What the tenancy sweep needs to know: how to make rows of a victim company.

Each app's tests add ``tests/<app>/fillers*.py`` modules with
``OBJECTS`` (model label -> function(company) -> a row of that company whose
text carries :data:`MARKER`) and ``URL_OBJECTS`` (URL name -> model label of
the row its ``pk`` means, or a dict of argument name -> model label when a URL
has several). The sweep fails for any URL it cannot fill.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import tests

MARKER = "机密SECRET"

Filler = Callable[[Any], Any]


def collect() -> tuple[dict[str, Filler], dict[str, Any]]:
    objects: dict[str, Filler] = {}
    url_objects: dict[str, Any] = {}
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        package = importlib.import_module(f"tests.{module_info.name}")
        for child in pkgutil.iter_modules(package.__path__):
            if child.name.startswith("fillers"):
                fillers = importlib.import_module(f"tests.{module_info.name}.{child.name}")
                objects.update(getattr(fillers, "OBJECTS", {}))
                url_objects.update(getattr(fillers, "URL_OBJECTS", {}))
    return objects, url_objects
