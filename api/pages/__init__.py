"""The bookkeepers' pages (server-rendered, at `/`) and the API docs served from local files.

`install(app)` adds the pages' routes (a visitor without a session is sent to sign in), their
error pages (`errors`), their static files, the session store, and `/docs`
(Swagger UI) and `/redoc` (ReDoc) that load nothing from the network: both are committed
under `static/` with their licences (Swagger UI 5 reads the OpenAPI 3.1 document FastAPI
writes; the `swagger-ui-bundle` PyPI package ships Swagger UI 4, which cannot). Neither runs
an inline script: Swagger UI is started by `static/swagger/swagger-init.js`, and the policy
allows scripts from this server only.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
# The docs pages may load from this server only (ReDoc would fetch its logo from its CDN).
DOCS_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
               " img-src 'self' data:; worker-src 'self' blob:; base-uri 'none';"
               " frame-ancestors 'self'")
SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
<link rel="icon" href="/static/swagger/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger/swagger-init.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Pages at `/`, static files at `/static`, local docs at `/docs` and `/redoc`."""
    from api.pages import errors
    from api.pages.invoice import router as invoice_router
    from api.pages.routes import NotSignedIn, router, to_sign_in

    app.include_router(router)
    app.include_router(invoice_router)
    app.add_exception_handler(NotSignedIn, to_sign_in)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return _local(HTMLResponse(SWAGGER_PAGE.format(
            title=escape(f"{app.title} API"),
            openapi_url=escape(app.openapi_url or "/openapi.json"))))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _local(get_redoc_html(openapi_url=app.openapi_url or "/openapi.json",
                              title=f"{app.title} API", redoc_js_url="/static/redoc/"
                              "redoc.standalone.js", redoc_favicon_url="/static/swagger/"
                              "favicon-32x32.png", with_google_fonts=False))


def _local(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page
