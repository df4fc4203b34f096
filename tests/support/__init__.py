"""Support code shared by the tests and bench/ (never a test module, never a conftest):

servers      LocalServer (HTTP on a loopback address) and RawServer (bytes on a socket)
pages        pages those servers answer (Django-free, so bench/ can import them)
builders     fact checks with evidence, cited sources, PDFs, API clients, the seed article
network      FakeNetwork: pretend DNS and a connect tripwire for the fetcher tests
services     private PostgreSQL and Redis, the app's processes, worker processes
tasks        the return values of Celery tasks run in this process
corpus       the shared news-page corpus; environment: skip locally, fail in CI when missing
forms, urls  a page's form data as a browser posts it; every admin URL and API write endpoint
"""
