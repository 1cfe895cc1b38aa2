"""The HTTP home: a Starlette app over the services."""
