"""A hello-world WSGI app: the ceiling of gunicorn and of the load generator on this machine."""


def application(environ, start_response):
    body = b'{"hello":"world"}'
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
