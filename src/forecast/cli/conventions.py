"""The command line's conventions, shared by every command: exit codes, errors (text or JSON),
verbosity (-v/-q) and validated choices.

A command picks them up with no code of its own: the root group (`ForecastGroup`) catches every
error a command raises, sorts it into a class with its exit code, and prints it as one line on
stderr (or as a JSON object on stdout when the command line has `--json`). A command only raises:
a service error, an ingest error, or `fail("message naming the --flag")`.

This module imports nothing heavy (no pandas, no services): `forecast --help` stays fast.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, NoReturn

import typer
from typer.core import TyperGroup

# -- exit codes ------------------------------------------------------------------------------

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_NOT_FOUND = 4
EXIT_UNAVAILABLE = 5
EXIT_INTERRUPTED = 130

EXIT_CODES: tuple[tuple[int, str, str], ...] = (
    (EXIT_OK, "ok", "done"),
    (EXIT_INTERNAL, "internal", "a bug or an unexpected failure; -v shows the traceback"),
    (EXIT_BAD_INPUT, "bad_input", "bad input: unknown option or value, unreadable file"),
    (
        EXIT_REFUSED,
        "refused",
        "refused edit: stale version, role not allowed, wrong stage, locked, a conflict",
    ),
    (EXIT_NOT_FOUND, "not_found", "not found: no such plan, event, team or series"),
    (EXIT_UNAVAILABLE, "unavailable", "the database could not be reached; nothing was written"),
    (EXIT_INTERRUPTED, "interrupted", "interrupted (Ctrl+C)"),
)
KIND_OF_CODE = {code: kind for code, kind, _ in EXIT_CODES}

EXIT_CODES_HELP = "Exit codes: " + "; ".join(
    f"{code} {text.split(':')[0]}" for code, _, text in EXIT_CODES if code != EXIT_INTERRUPTED
)

# Service and domain errors by class name (checked along the class's MRO, most specific first),
# so this module needs no import of the services or the domain to sort them.
_BY_CLASS_NAME: dict[str, tuple[int, str]] = {
    "StaleVersion": (EXIT_REFUSED, "stale_version"),
    "Forbidden": (EXIT_REFUSED, "forbidden"),
    "NotAllowed": (EXIT_REFUSED, "forbidden"),
    "Locked": (EXIT_REFUSED, "locked"),
    "AgreedError": (EXIT_REFUSED, "locked"),
    "WrongStage": (EXIT_REFUSED, "wrong_stage"),
    "StageError": (EXIT_REFUSED, "wrong_stage"),
    "Conflict": (EXIT_REFUSED, "conflict"),
    "NotFound": (EXIT_NOT_FOUND, "not_found"),
    "UnknownTeam": (EXIT_NOT_FOUND, "not_found"),
    "UnknownSeries": (EXIT_NOT_FOUND, "not_found"),
    "Unavailable": (EXIT_UNAVAILABLE, "unavailable"),
    "OperationalError": (EXIT_UNAVAILABLE, "unavailable"),  # sqlalchemy: server gone, disk full
    "InvalidFile": (EXIT_BAD_INPUT, "invalid_file"),
    "IngestError": (EXIT_BAD_INPUT, "invalid_file"),
    "Invalid": (EXIT_BAD_INPUT, "invalid"),
    "SchemaError": (EXIT_BAD_INPUT, "invalid"),
    "OverrideError": (EXIT_BAD_INPUT, "invalid"),
    "NegotiationError": (EXIT_BAD_INPUT, "invalid"),
    "ServiceError": (EXIT_BAD_INPUT, "invalid"),
}


class CliError(Exception):
    """A failure the command line reports itself (raised by `fail`)."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT, error: str = "invalid"):
        super().__init__(message)
        self.code = code
        self.error = error


def fail(message: str, code: int = EXIT_BAD_INPUT, error: str = "invalid") -> NoReturn:
    """Stop the command with a user-facing error (name the flag and how to fix it)."""
    raise CliError(message, code, error)


@dataclass
class Failure:
    """One failed command, as shown to the user."""

    code: int
    error: str
    message: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    problem_lines: list[str] = field(default_factory=list)
    fix: dict[str, Any] | None = None  # see `fix_data`
    details: dict[str, Any] = field(default_factory=dict)  # facts for a script (stale versions)

    @property
    def kind(self) -> str:
        return KIND_OF_CODE.get(self.code, "internal")

    def to_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "error": self.error,
            "kind": self.kind,
            "exit_code": self.code,
            "message": self.message,
        }
        payload.update(self.details)
        if self.problems:
            payload["problems"] = self.problems
        if self.fix:
            payload["fix"] = self.fix
        return payload


def fix_data(key: str | None, params: dict[str, str] | None, text: str) -> dict[str, Any]:
    """A fix in --json, one shape wherever it appears (an error's own, a file problem's):
    ``key`` names the way to put it right (None for a file problem's fix that has only
    words), ``params`` what it is about, ``text`` the words the text output shows."""
    return {"key": key, "params": dict(params or {}), "text": text}


def _problem_dict(problem: Any) -> dict[str, Any]:
    keys = ("file", "row", "column", "value", "message")
    if all(hasattr(problem, k) for k in (*keys, "fix")):
        fixed_by = getattr(problem, "fixed_by", None)
        key, params = (fixed_by.key.value, fixed_by.params) if fixed_by else (None, None)
        return {k: getattr(problem, k) for k in keys} | {"fix": fix_data(key, params, problem.fix)}
    return {"message": str(problem)}


def _cli_worded(problem: Any, templates: Any) -> Any:
    """A file's problem with its fix in the command line's words where it has a key
    (``Problem.fixed_by``: an option to pass), as the text and --json outputs show it."""
    if getattr(problem, "fixed_by", None) is None:
        return problem
    import dataclasses

    return dataclasses.replace(problem, fix=problem.fix_in(templates))


def classify(exc: BaseException) -> Failure:
    """The exit code, error name and message of an exception a command raised."""
    if isinstance(exc, CliError):
        return Failure(exc.code, exc.error, str(exc))
    if isinstance(exc, typer.TyperException):  # a usage error: unknown option, bad value
        return Failure(
            int(getattr(exc, "exit_code", EXIT_BAD_INPUT)), "usage", exc.format_message()
        )
    if isinstance(exc, KeyboardInterrupt | typer.Abort):
        return Failure(EXIT_INTERRUPTED, "interrupted", "interrupted; nothing more was done")
    for klass in type(exc).__mro__:
        if klass.__name__ in _BY_CLASS_NAME:
            code, error = _BY_CLASS_NAME[klass.__name__]
            from forecast.cli.fix_hints import CLI_FIXES, cli_message

            problems = [_cli_worded(p, CLI_FIXES) for p in getattr(exc, "problems", None) or []]
            message = cli_message(exc)
            if problems:
                # a closing "N more rows have the same problem" line stands for N rows
                count = sum(getattr(p, "rows", 1) for p in problems)
                where = getattr(problems[0], "file", None) or "the input"
                message = (
                    f"{where}: {count} problem{'s' if count != 1 else ''}; nothing was written"
                )
            fix = getattr(exc, "fix", None)
            fix_as_data = (
                fix_data(fix.key.value, fix.params, fix.render(CLI_FIXES))
                if fix is not None and hasattr(fix, "render")
                else None
            )
            return Failure(
                code,
                error,
                message,
                [_problem_dict(p) for p in problems],
                [str(p) for p in problems],
                fix_as_data,
                details if isinstance(details := getattr(exc, "details", None), dict) else {},
            )
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return Failure(
        EXIT_INTERNAL,
        "internal",
        f"internal error: {type(exc).__name__}{': ' + text if text else ''}",
    )


# -- verbosity -------------------------------------------------------------------------------

QUIET, NORMAL, VERBOSE = -1, 0, 1
_VERBOSITY: ContextVar[int] = ContextVar("forecast_verbosity", default=NORMAL)
_VERBOSE_FLAGS = ("-v", "--verbose", "-vv")
_QUIET_FLAGS = ("-q", "--quiet")


def _own_args(args: Sequence[str]) -> list[str]:
    """The arguments before a `--` separator (after it, everything is a value)."""
    args = list(args)
    return args[: args.index("--")] if "--" in args else args


def verbosity_of_args(args: Sequence[str]) -> int:
    own = _own_args(args)
    if any(a in _QUIET_FLAGS for a in own):
        return QUIET
    return min(2, sum(2 if a == "-vv" else 1 for a in own if a in _VERBOSE_FLAGS))


def verbosity() -> int:
    """-1 with -q, 0 by default, 1 (or 2) with -v: how much a command says besides its result."""
    return _VERBOSITY.get()


def set_verbosity(verbose: int, quiet: bool) -> None:
    """Set by the root group's options for the command that runs next."""
    _VERBOSITY.set(QUIET if quiet else min(2, verbose))


def info(message: str) -> None:
    """A note on stderr (what is happening); -q silences it."""
    if verbosity() > QUIET:
        typer.echo(message, err=True)


def warn(message: str) -> None:
    """A warning on stderr: something changed what a command kept or did; -q does not silence
    it."""
    typer.echo(f"warning: {message}", err=True)


def detail(message: str) -> None:
    """A detail on stderr shown only with -v."""
    if verbosity() >= VERBOSE:
        typer.echo(message, err=True)


# -- choices ---------------------------------------------------------------------------------


def choice(values: Iterable[Any]) -> Any:
    """The `Literal` of `values` (a vocabulary tuple, a dict's keys or a StrEnum) for an
    option's annotation: typer then accepts only these values, lists them in the help, and
    refuses any other with the list (exit code 2); the command receives the plain `str`.

    `MODEL = choice(MODELS)`, then `Annotated[MODEL, typer.Option(...)]`; under TYPE_CHECKING
    alias the name to `str` (mypy cannot see a computed Literal)."""
    if isinstance(values, type) and issubclass(values, Enum):
        values = [m.value for m in values]
    return Literal[tuple(str(v) for v in values)]


def choice_enum(name: str, values: Iterable[Any]) -> type[Enum]:
    """Like `choice`, as an Enum, for repeatable options (typer takes `list[Enum]`, not
    `list[Literal]`); the command gets members: take `.value` for the plain `str`."""
    if isinstance(values, type) and issubclass(values, Enum):
        values = [m.value for m in values]
    members = [str(v) for v in values]
    return Enum(name, {m: m for m in members}, type=str)  # type: ignore[return-value]


# -- lazy imports ----------------------------------------------------------------------------


class _LazyModule:
    """A module imported on first attribute access (`plans.get_plan(...)` imports the services
    when a command runs, not when the CLI is imported)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attr)


def lazy_module(name: str) -> Any:
    """`plans = lazy_module("forecast.services.plans")` (import the real module under
    TYPE_CHECKING so mypy still checks the calls)."""
    return _LazyModule(name)


# -- the root group --------------------------------------------------------------------------


def _wants_json(args: Sequence[str]) -> bool:
    return "--json" in _own_args(args)


def report_failure(failure: Failure, exc: BaseException, *, as_json: bool, level: int) -> None:
    """Print a failure: JSON on stdout under --json; otherwise one line on stderr (ingest
    problems first, one a line; the traceback of an internal error with -v)."""
    if as_json:
        json.dump(failure.to_dict(), sys.stdout, indent=2, default=str, ensure_ascii=False)
        sys.stdout.write("\n")
        sys.stdout.flush()
        if failure.code == EXIT_INTERNAL and level >= VERBOSE:
            traceback.print_exception(exc, file=sys.stderr)
        return
    if isinstance(exc, typer.TyperException) and hasattr(exc, "show"):
        exc.show()
        return
    for line in failure.problem_lines:
        typer.echo(line, err=True)
    if failure.code == EXIT_INTERNAL:
        if level >= VERBOSE:
            traceback.print_exception(exc, file=sys.stderr)
        typer.echo(f"error: {failure.message}", err=True)
        if level < VERBOSE:
            typer.echo(
                "  this is a bug or an unexpected failure; run the command again with -v to see "
                "the traceback, and report it with that",
                err=True,
            )
        return
    typer.echo(f"error: {failure.message}", err=True)


def _drop_validator_prefix(exc: BaseException) -> None:
    """A refused choice reads "'x' is not one of ...", not "Value error, 'x' is not one of ..."
    (the prefix comes from the validator typer checks a `Literal` option with)."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and message.startswith("Value error, "):
        exc.message = message.removeprefix("Value error, ")  # type: ignore[attr-defined]


def _help_for_bare_h(args: list[str]) -> list[str]:
    """`-h` is short for --horizon where a command has one (`baseline FILE -h 12`); without a
    value (last on the line, or before another option) it asks for help, on every command:
    `forecast plan create -h` shows the help, not "Option '-h' requires an argument"."""
    own = _own_args(args)
    bare = [
        i for i, a in enumerate(own) if a == "-h" and (i + 1 == len(own) or own[i + 1][:1] == "-")
    ]
    return [("--help" if i in bare else a) for i, a in enumerate(args)]


class ForecastGroup(TyperGroup):
    """The root `forecast` group: -v/-q anywhere on the line, and every failure sorted into its
    exit code and printed as text or JSON (see `EXIT_CODES`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # -v/-q belong to the root group; accept them after the subcommand too (`forecast
        # baseline FILE ... -q`) by moving them to the front.
        own = _own_args(args)
        flags = [a for a in own if a in _VERBOSE_FLAGS or a in _QUIET_FLAGS]
        if flags:
            rest = [a for a in own if a not in flags] + args[len(own) :]
            args = [*flags, *rest]
        return super().parse_args(ctx, _help_for_bare_h(args))

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(
                args=argv,
                prog_name=prog_name or "forecast",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = result if isinstance(result, int) else EXIT_OK
        except typer.Exit as exc:  # raised outside invoke (e.g. by a callback)
            code = exc.exit_code
        except Exception as exc:  # every failure of a command ends here
            _drop_validator_prefix(exc)
            failure = classify(exc)
            report_failure(failure, exc, as_json=_wants_json(argv), level=verbosity_of_args(argv))
            code = failure.code
        except KeyboardInterrupt as exc:
            failure = classify(exc)
            report_failure(failure, exc, as_json=_wants_json(argv), level=verbosity_of_args(argv))
            code = failure.code
        if not standalone_mode:
            return code
        sys.exit(code)
