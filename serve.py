"""The hosted entry point: the dashboard as an ASGI app with a readiness endpoint for a load balancer.

`streamlit run serve.py` (or `uvicorn serve:app`) serves dashboard.py exactly as `streamlit run dashboard.py` does,
plus `GET /_cx/ready`: 200 when this replica has the configured database open and readable, 503 otherwise.
Streamlit's own `GET /_stcore/health` says the server is up.
"""

from pathlib import Path

import streamlit as st
from starlette.routing import Route

from cxmetrics import ui

app = st.App(Path(__file__).with_name("dashboard.py"), routes=[Route(ui.READY_PATH, ui.readiness)])
