"""The error pages a person's browser gets — an unknown address, a wrong method, a query that
is not valid — as pages in the visitor's language; API callers keep getting problem+json.

A request is a browser's when it accepts HTML and is not under the API's `/v1/`.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from api.pages.routes import _page, _visitor
from api.pages.texts import texts
from api.problems import validation_problems


def wants_page(request: Request) -> bool:
    """Whether the request comes from a person's browser rather than an API caller."""
    return ("text/html" in request.headers.get("accept", "")
            and not request.url.path.startswith("/v1/"))


def install(app: FastAPI) -> None:
    """Answer browsers' HTTP and validation errors with a page, others as before."""
    api_http = app.exception_handlers[HTTPException]
    api_invalid = app.exception_handlers[RequestValidationError]

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if not wants_page(request):
            return await api_http(request, error)  # type: ignore[no-any-return]
        visitor = _visitor(request)
        t = texts(visitor.language)
        message = {404: t["not_found"], 405: t["wrong_method"]}.get(
            error.status_code, t["failed_status"].format(status=error.status_code))
        page = _page(request, visitor, "message.html.j2", error.status_code, message=message)
        page.headers.update(error.headers or {})
        return page

    async def invalid_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if not wants_page(request):
            return await api_invalid(request, error)  # type: ignore[no-any-return]
        visitor = _visitor(request)
        return _page(request, visitor, "message.html.j2", 422,
                     message=texts(visitor.language)["bad_address"],
                     problems=validation_problems(error))

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
