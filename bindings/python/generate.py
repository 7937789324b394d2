#!/usr/bin/env python3
"""Write libcs/_methods.py from the catalogue of the libcs found as the binding finds it.

    LIBCS_LIBRARY=_build/.libs/libcs.so.1 python3 bindings/python/generate.py
    ... generate.py --check    # exit 1 if _methods.py is not what the catalogue gives

Run it after a method's request or answer changes in lib/call/; the binding's tests fail
while _methods.py is out of date.
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import libcs  # noqa: E402
from libcs import _codegen  # noqa: E402

TARGET = HERE / "libcs" / "_methods.py"


def source() -> str:
    """What _methods.py is for the loaded library."""
    with libcs.open(":memory:") as db:
        catalogue = db.call("methods")["methods"]
    return _codegen.module_source(catalogue, libcs.version())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only compare, and fail if the file is out of date")
    args = parser.parse_args()
    text = source()
    if args.check:
        if TARGET.read_text() != text:
            print(f"{TARGET} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
