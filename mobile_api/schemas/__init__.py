"""Marshmallow schemas: `XCreateSchema` loads a request, `XSchema` dumps a response. Messages are Chinese."""
