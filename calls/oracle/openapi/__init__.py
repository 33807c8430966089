"""The OpenAPI 3 description of the REST API, served at ``/api/schema/``.

Why a generator of our own rather than drf-spectacular: the views answer with hand-built
ADF dicts (``rendering``), not DRF serializers, and the request serializers are assembled
at run time from ``attributes``; spectacular could introspect almost nothing, so every
component would be hand-written in ``extend_schema`` calls, a second copy of the contract.
Built here from the same sources the API runs on, the document cannot drift from it:

- the attribute table gives every property: type, ``maxLength``, int64 bounds, what a
  create or an update may send, what is read-only; the model gives nullability;
- ``urls.urlpatterns`` gives the operations: each named route with the methods of its view
  (a route without a template in ``PATHS`` is an error, so no route goes undocumented);
- ``media``, ``shaping``, ``versions`` and ``batch`` give the media types, the paging
  defaults, the framework versions and the batch operations.

The schema is public (no authentication): it describes the contract, as Oracle's own REST
documentation does, and no data. It is built once per process.

The parts: ``document`` assembles the routes and components (and serialises them),
``operations`` builds each route's methods, ``schemas`` the attribute-built schemas,
``fixed`` the framework's own shapes and the security schemes, ``parameters`` and
``responses`` the reusable components, ``refs`` the pointers they share; ``views`` serves it.
"""

from .document import PATHS, openapi_document

__all__ = ["PATHS", "openapi_document"]
