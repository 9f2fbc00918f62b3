"""Stored files (certificates employees upload): one small interface, put/get/delete by region and key, so an
S3-compatible store can replace the local directory without touching the areas that keep files.

The default, `LocalStorage`, writes `<KOMPETEN_FILES_DIR or <instance dir>/files>/<region slug>/<key>`: outside
the web root (nothing serves that directory; the areas' views send a file only to the people allowed to see it).
`KOMPETEN_FILES_STORAGE` names another store as `package.module:factory`, a callable taking the app's config and
returning an object with the same methods (an S3 store: bucket, prefix per region, the same keys).

Keys are made by the areas (`new_key`: random, never derived from a name a person typed); a key is checked
against `KEY` before any path is built from it, so no key can climb out of its region's directory.
"""

from __future__ import annotations

import importlib
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

KEY = re.compile(r"^[a-z0-9_-]{1,40}(/[A-Za-z0-9_-]{1,100}){1,3}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class FileMissing(LookupError):
    """No file under that key in that region's store."""


class Storage(Protocol):
    def put(self, region: str, key: str, data: bytes) -> None: ...

    def get(self, region: str, key: str) -> bytes: ...

    def delete(self, region: str, key: str) -> None: ...

    def exists(self, region: str, key: str) -> bool: ...

    def delete_region(self, region: str) -> None: ...


def new_key(prefix: str) -> str:
    """`<prefix>/<128 random bits>`: unguessable, and the same for no two files."""
    return f"{prefix}/{secrets.token_urlsafe(16)}"


def check_key(region: str, key: str) -> None:
    if not SLUG.match(region or ""):
        raise ValueError(f"not a region slug: {region!r}")
    if not KEY.match(key or ""):
        raise ValueError(f"not a stored file key: {key!r}")


class LocalStorage:
    """Files in a local directory, one sub-directory per region. Writes go to a temporary file in the same
    directory, fsynced, then renamed: a crash leaves the old file or the new one, never half of one."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, region: str, key: str) -> Path:
        check_key(region, key)
        return self.root / region / key

    def put(self, region: str, key: str, data: bytes) -> None:
        target = self.path(region, key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, region: str, key: str) -> bytes:
        try:
            return self.path(region, key).read_bytes()
        except FileNotFoundError as exc:
            raise FileMissing(f"{region}/{key}") from exc

    def delete(self, region: str, key: str) -> None:
        self.path(region, key).unlink(missing_ok=True)

    def exists(self, region: str, key: str) -> bool:
        return self.path(region, key).is_file()

    def delete_region(self, region: str) -> None:
        """Every file of a region (its schema was dropped: nothing names them any more)."""
        if not SLUG.match(region or ""):
            raise ValueError(f"not a region slug: {region!r}")
        shutil.rmtree(self.root / region, ignore_errors=True)


def files_dir(config) -> Path:
    return Path(config.get("FILES_DIR") or Path(config["INSTANCE_DIR"]) / "files")


def local_storage(config) -> LocalStorage:
    return LocalStorage(files_dir(config))


def storage() -> Storage:
    """The app's store (made once per app): KOMPETEN_FILES_STORAGE's factory, else the local directory."""
    app = current_app._get_current_object()  # noqa: SLF001 - the app object itself, to keep the store on
    store = app.extensions.get("kompeten_storage")
    if store is None:
        spec = app.config.get("FILES_STORAGE") or "app.services.files.storage:local_storage"
        module, _, name = spec.partition(":")
        store = getattr(importlib.import_module(module), name)(app.config)
        app.extensions["kompeten_storage"] = store
    return store
