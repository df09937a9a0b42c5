"""The bookkeepers' pages (server-rendered, at `/`) and the API docs served from local files.

`install(app)` adds the pages' routes (a visitor without a session is sent to sign in), their
static files, the session store, and `/docs`
(Swagger UI) and `/redoc` (ReDoc) that load nothing from the network: both are committed
under `static/` with their licences (Swagger UI 5 reads the OpenAPI 3.1 document FastAPI
writes; the `swagger-ui-bundle` PyPI package ships Swagger UI 4, which cannot).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
# The docs pages may load from this server only (ReDoc would fetch its logo from its CDN).
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' blob:; style-src 'self'"
               " 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:")


def install(app: FastAPI) -> None:
    """Pages at `/`, static files at `/static`, local docs at `/docs` and `/redoc`."""
    from api.pages.invoice import router as invoice_router
    from api.pages.routes import NotSignedIn, router, to_sign_in

    app.include_router(router)
    app.include_router(invoice_router)
    app.add_exception_handler(NotSignedIn, to_sign_in)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return _local(get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png"))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _local(get_redoc_html(openapi_url=app.openapi_url or "/openapi.json",
                              title=f"{app.title} API", redoc_js_url="/static/redoc/"
                              "redoc.standalone.js", redoc_favicon_url="/static/swagger/"
                              "favicon-32x32.png", with_google_fonts=False))


def _local(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page
