"""``python -m dreamlib.grading build|check``: see :mod:`dreamlib.grading.build`."""

import argparse
import sys
import tempfile

from . import build as builder


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m dreamlib.grading",
        description="Make the student notebooks and autograders from the course notebooks "
                    "(Otter Assign), or check that the committed student notebooks are up to date.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="write notebooks/student/, the public tests and OUT/*.zip")
    make.add_argument("notebooks", nargs="*", help="only these course notebooks (default: all)")
    make.add_argument("--out", default="dist/grading", help="folder for the autograder zips "
                      "(default: dist/grading)")
    make.add_argument("--run-tests", action="store_true",
                      help="let otter grade each solutions notebook (runs it, at full size unless "
                           "DREAMLIB_QUICK=1)")
    commands.add_parser("check", help="exit 1 if notebooks/student/ or the public tests are stale")
    args = parser.parse_args(argv)
    if args.command == "build":
        builder.build(args.out, notebooks=args.notebooks, run_tests=args.run_tests)
        return 0
    with tempfile.TemporaryDirectory() as workdir:
        stale = builder.stale_files(builder.assign_all(workdir))
    for path in stale:
        print(f"out of date: {path}")
    if stale:
        print("run: python -m dreamlib.grading build")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
