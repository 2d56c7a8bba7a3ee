"""The lab's one C extension; everything else about the build is in pyproject.toml.

Keyed pseudonyms of whole columns: OpenSSL's HMAC in one C loop per column, without the GIL
(connectors/operators/_keyed.py). Optional: without a C compiler and OpenSSL's headers the
lab builds and works without it, with the standard library's slower loop.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "connectors.operators._hmacbatch",
            sources=["connectors/operators/_hmacbatch.c"],
            libraries=["crypto"],
            optional=True,
        )
    ]
)
