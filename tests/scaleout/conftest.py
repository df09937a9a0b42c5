"""The scale-out backends' fixtures (see `scaleout_support`)."""

from scaleout_support import (  # noqa: F401 - fixtures
    pg_server_url,
    pg_url,
    private_redis,
    rabbitmq_url,
    redis_url,
    s3_endpoint,
    s3_env,
    shared_redis,
    workers,
)
