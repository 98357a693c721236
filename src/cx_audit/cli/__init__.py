"""The command line: a thin layer over the pipeline. One module per command.

Exit codes (the contract a nightly job relies on): 0 all scored, none failed; 1 at least one
conversation failed; 2 usage, ruleset or input error (outranks 1); 130 interrupted. Every error
goes through `main()` so that 1 keeps meaning "findings".
"""

from __future__ import annotations

import os
import signal
import sys

import typer

try:  # Typer >= 0.20 carries its own copy of click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older Typer on the real click
    from click import exceptions as click_exceptions

from cx_audit.errors import CxAuditError

app = typer.Typer(
    name="cx-audit",
    help="Audit customer-service call and chat transcripts against rulesets drawn from customer-service articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rules_app = typer.Typer(help="List, show, validate and test rules.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
COMPLETE_VAR = "_CX_AUDIT_COMPLETE"  # set by the script `cx-audit completion SHELL` prints


def _register_commands() -> None:
    """Import every module of this package: each command module registers itself on `app`."""
    import importlib
    import pkgutil

    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")


def _version_callback(value: bool) -> None:
    if value:
        from cx_audit import __version__
        from cx_audit.engine.automaton import backend

        typer.echo(f"cx-audit {__version__} (phrase matcher: {backend()})")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
) -> None:
    pass


def fail(message: str) -> None:
    """Report a usage/config error on stderr and stop with exit 2."""
    raise CxAuditError(message)


def main(argv: list[str] | None = None) -> None:
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends quietly
    _register_commands()
    if os.environ.get(COMPLETE_VAR):  # a shell asking for completions: Typer answers and exits
        from typer.completion import completion_init

        completion_init()
    try:
        code = app(args=argv, standalone_mode=False, prog_name="cx-audit", complete_var=COMPLETE_VAR)
    except click_exceptions.NoArgsIsHelpError as err:
        sys.stderr.write(err.ctx.get_help() + "\n" if err.ctx else f"{err}\n")
        code = EXIT_ERROR
    except click_exceptions.UsageError as err:
        err.show()
        code = EXIT_ERROR
    except typer.Exit as err:
        code = err.exit_code
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("cx-audit: interrupted\n")
        code = EXIT_INTERRUPTED
    except CxAuditError as err:
        for line in str(err).splitlines():
            sys.stderr.write(f"cx-audit: error: {line}\n")
        code = EXIT_ERROR
    except click_exceptions.ClickException as err:
        err.show()
        code = EXIT_ERROR
    except BrokenPipeError:
        _quiet_broken_pipe()
        code = EXIT_OK
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _quiet_broken_pipe() -> None:
    # Python flushes stdout at exit; point it at devnull so that flush cannot fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
