"""Shared pieces of the command line: error handling (exit code 2, no traceback) and JSON output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print a user-facing error on stderr and exit with `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def user_errors(*error_types: type[BaseException]) -> Callable[[F], F]:
    """Turn the given exception types into `error: <message>` on stderr and exit code 2."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except error_types as exc:  # noqa: B030 - tuple of exception classes
                fail(str(exc))

        return wrapper  # type: ignore[return-value]

    return decorate


def echo_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")
