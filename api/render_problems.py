"""What the API answers when the render pool refuses a document (problem+json).

* the queue is full → **503** with `Retry-After` (the pool's estimate, in seconds): the same
  request will succeed later;
* the render passed the time limit or its worker the memory ceiling → **422**
  (`too-long-to-render`, `errors: [{field: "lines", …}]`): the invoice itself is too long,
  and sending it again gets the same answer, so the caller should split it;
* a worker could not start or died → **503** with `Retry-After`.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.problems import problem_response
from faktura.errors import Problem
from issuing.renderpool import RenderQueueFull, RenderRefused, RenderTooLarge

#: A retry after a lost worker: its replacement needs a moment to start.
WORKER_RETRY_AFTER = 5



def install(app: FastAPI) -> None:
    """Register the handlers for the render pool's refusals."""

    @app.exception_handler(RenderQueueFull)
    async def _full(request: Request, exc: RenderQueueFull) -> JSONResponse:
        return problem_response(503, str(exc), slug="renderer-busy", instance=request.url.path,
                                headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(RenderTooLarge)
    async def _too_large(request: Request, exc: RenderTooLarge) -> JSONResponse:
        return problem_response(422, str(exc), [Problem("lines", str(exc))],
                                slug="too-long-to-render", instance=request.url.path)

    @app.exception_handler(RenderRefused)
    async def _refused(request: Request, exc: RenderRefused) -> JSONResponse:
        return problem_response(503, str(exc), slug="renderer-unavailable",
                                instance=request.url.path,
                                headers={"Retry-After": str(WORKER_RETRY_AFTER)})
