"""``python -m dreamlib COMMAND``: the course's command line.

Commands:

* ``reproduce [--quick] [--out DIR]``: run the experiments behind every number the course claims
  and write a Markdown report and a JSON file of the numbers (:mod:`dreamlib.reproduce`).
"""

import sys

COMMANDS = {"reproduce": "dreamlib.reproduce"}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        if argv and argv[0] not in ("-h", "--help"):
            print(f"\nunknown command {argv[0]!r}; one of: {', '.join(COMMANDS)}", file=sys.stderr)
            return 2
        return 0 if argv else 2
    from importlib import import_module

    return import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
