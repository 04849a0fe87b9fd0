"""The counter web app: server-rendered pages for clerks, archive staff and administrators.

Served by the same process as the API (``sohoa serve``): :func:`web.app.install`
adds the pages to the API's FastAPI application. Pages are Jinja2 templates
with small hand-written CSS and JavaScript shipped in ``web/static`` (no CDN).
"""
