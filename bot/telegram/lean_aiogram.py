"""Imports aiogram so that its pydantic models are built when first used, not all at import.

aiogram's `aiogram/types/__init__.py` ends with `model_rebuild` on every one of its ~440 types,
and each type's validator holds its own copy of the schemas of all the types it reaches: about
110 MB of the bot's memory (aiogram issue #1513), for types the bot never sees (payments, stickers,
business accounts, …). The types are declared with pydantic's `defer_build`; only that loop builds
them. Here the loop is let through without building, and every name of `aiogram.types` is made
resolvable from the modules that declare aiogram's models (they import each other only for type
checkers): one namespace with every type, given to each model as the one it was declared in (pydantic
keeps that per class, and hands it on to parametrised generics such as `Response[Message]`). pydantic
then builds a model from its own mock validator on first use. The bot builds the few it needs:
`Update` (every incoming type is inside it), the methods it calls and their answers, about 10 MB.

Nothing else changes: the same classes, validated the same way, only later. If aiogram was imported
before this module (a test, a script), its models are built already and this does nothing.
`prepare_models` builds `Update` at start-up, so that no update waits for it and a model that cannot
be built shows at start-up (tests/telegram/test_memory.py builds all of them in a fresh process).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

_AIOGRAM_MODELS = ("aiogram.types", "aiogram.methods")


def import_aiogram() -> None:
    if "aiogram" in sys.modules:
        return
    original = BaseModel.__dict__["model_rebuild"]
    names: dict[str, Any] = {}

    def deferred(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Mapping[str, Any] | None = None,
    ) -> bool | None:
        # Only aiogram's own loop over its deferred types is let through without building.
        if (
            _types_namespace is not None
            and not force
            and cls.__module__.startswith(_AIOGRAM_MODELS)
            and cls.model_config.get("defer_build")
            and not cls.__pydantic_complete__
        ):
            names.update(_types_namespace)
            return None
        return original.__func__(  # type: ignore[no-any-return]
            cls,
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1,
            _types_namespace=_types_namespace,
        )

    BaseModel.model_rebuild = classmethod(deferred)  # type: ignore[method-assign,assignment]
    try:
        import aiogram  # noqa: F401
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
    # One namespace with every type, shared by all of aiogram's models (see the module's docstring).
    for name, module in list(sys.modules.items()):
        if not name.startswith(_AIOGRAM_MODELS) or module is None:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == name:
                value.__pydantic_parent_namespace__ = names


def prepare_models() -> None:
    """Build the model of an incoming update now (a no-op when it is built already)."""
    from aiogram.types import Update

    Update.model_rebuild()
