"""The HTTP entry point: app factory, middleware, error handlers and routers."""
