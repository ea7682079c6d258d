"""``gridpay facilitator``: serve the facilitator with uvicorn.

Configuration comes from ``GRIDPAY_FACILITATOR__*`` variables and key files,
never from the command line (a key there would show in ``ps``); the options
here only choose where to listen.
"""

from __future__ import annotations

import json
import logging
import sys
import time

import click


class JsonFormatter(logging.Formatter):
    """One JSON object per line; messages never carry keys (nothing logs them)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
               "level": record.levelname.lower(), "logger": record.name,
               "message": record.getMessage()}
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out)


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


@click.command()
@click.option("--host", default=None, help="address to listen on (default: settings, 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default: settings, 4020)")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def facilitator(host: str | None, port: int | None, log_level: str) -> None:
    """Serve x402 /verify, /settle, /supported, credits and API keys."""
    import uvicorn

    from facilitator.api.app import create_app
    from facilitator.service import Facilitator
    from gridpay.settings import get_settings

    configure_logging(log_level)
    settings = get_settings().facilitator
    try:
        service = Facilitator.from_settings()
    except (RuntimeError, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    uvicorn.run(create_app(service), host=host or settings.host, port=port or settings.port,
                log_config=None, log_level=log_level, access_log=False)
