"""The hosted entry point: the dashboard as an ASGI app with a readiness endpoint for a load balancer.

`streamlit run serve.py` (or `uvicorn serve:app`) serves dashboard.py exactly as `streamlit run dashboard.py` does,
plus `GET /_cx/ready`: 200 when this replica has the configured database open and readable and has warmed its caches
(`cxmetrics.warmup`: every report page opened once per access scope, after the start and after each new load), 503
otherwise. Streamlit's own `GET /_stcore/health` says the server is up.
"""

import asyncio
import contextlib
from pathlib import Path

import streamlit as st
from starlette.responses import JSONResponse
from starlette.routing import Route

from cxmetrics import config, ui, warmup


@contextlib.asynccontextmanager
async def lifespan(app: st.App):
    """Keep the caches warm while the server runs (unless CX_WARM_UP is off)."""
    task = asyncio.create_task(warmup.keep_warm(ui.sign_in_configured())) if config.get("CX_WARM_UP") else None
    if task is None:
        warmup.PROGRESS.warmed.set()
    yield None
    if task is not None:
        task.cancel()


def ready(request):
    """Ready when the database is readable and the first warm-up has finished."""
    if not warmup.PROGRESS.warmed.is_set():
        return JSONResponse({"ready": False, "reason": "warming the caches"}, status_code=503)
    return ui.readiness(request)


app = st.App(Path(__file__).with_name("dashboard.py"), routes=[Route(ui.READY_PATH, ready)], lifespan=lifespan)
