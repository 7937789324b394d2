"""Finding libcs and declaring the C functions the binding calls.

Everything else goes through ``cs_call``, so this is the whole C surface of the binding.
"""

import ctypes
import ctypes.util
import functools
import os
import subprocess
from pathlib import Path

SONAME = "libcs.so.1"

# enum cs_open_flags and enum cs_actor_kind in cs/db.h
OPEN_CREATE = 1 << 0
OPEN_READONLY = 1 << 1
OPEN_RELAXED = 1 << 2
ACTOR_SYSTEM, ACTOR_AGENT, ACTOR_CUSTOMER = 0, 1, 2


class CsError(ctypes.Structure):
    """struct cs_error in cs/errors.h."""

    _fields_ = [
        ("code", ctypes.c_int),
        ("message", ctypes.c_char_p),
        ("field", ctypes.c_char_p),
    ]


# cs_clock_fn: cs_time (*)(void *payload)
CLOCK_FN = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p)

_handle = ctypes.c_void_p
_status = ctypes.c_int
_PROTOTYPES = {
    "cs_db_open": (_status, [ctypes.POINTER(_handle), ctypes.c_char_p, ctypes.c_uint]),
    "cs_db_close": (None, [_handle]),
    "cs_db_set_actor": (_status, [_handle, ctypes.c_int, ctypes.c_int64]),
    "cs_db_set_clock": (None, [_handle, CLOCK_FN, ctypes.c_void_p]),
    "cs_db_begin": (_status, [_handle]),
    "cs_db_begin_bulk": (_status, [_handle]),
    "cs_db_commit": (_status, [_handle]),
    "cs_db_rollback": (_status, [_handle]),
    # The response is a c_void_p, not a c_char_p, so that it can be given back to
    # cs_str_free() after it is read.
    "cs_call": (_status, [ctypes.POINTER(ctypes.c_void_p), _handle, ctypes.c_char_p,
                          ctypes.c_char_p]),
    "cs_str_free": (None, [ctypes.c_void_p]),
    "cs_error_last": (ctypes.POINTER(CsError), []),
    "cs_status_name": (ctypes.c_char_p, [ctypes.c_int]),
    "cs_version": (ctypes.c_char_p, [ctypes.POINTER(ctypes.c_int)] * 3),
}


def _pkg_config_libdir() -> str | None:
    """Where pkg-config says an installed libcs is (`pkg-config --variable=libdir libcs`)."""
    try:
        found = subprocess.run(["pkg-config", "--variable=libdir", "libcs"],
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    libdir = found.stdout.strip()
    return libdir if found.returncode == 0 and libdir else None


def _find() -> str:
    """Where the library is: $LIBCS_LIBRARY, a build tree above this package, pkg-config's
    libdir, else the loader's search path."""
    explicit = os.environ.get("LIBCS_LIBRARY")
    if explicit:
        return explicit
    for parent in Path(__file__).resolve().parents:
        for libs in ("_build/.libs", ".libs"):
            if (parent / libs / SONAME).is_file():
                return str(parent / libs / SONAME)
    libdir = _pkg_config_libdir()
    if libdir and (Path(libdir) / SONAME).is_file():
        return str(Path(libdir) / SONAME)
    return ctypes.util.find_library("cs") or SONAME


@functools.cache
def library() -> ctypes.CDLL:
    """The loaded libcs, with the prototypes of the functions the binding calls."""
    path = _find()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise OSError(f"libcs: cannot load {path} ({e}); set LIBCS_LIBRARY to the full "
                      f"path of {SONAME}, or PKG_CONFIG_PATH to where libcs.pc is") from e
    for name, (restype, argtypes) in _PROTOTYPES.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib
