"""Where the course is hosted on GitHub, and pointing a checkout at it.

Colab opens and installs the course from one GitHub repository and branch,
named once in ``dreamlib/course.py`` (``REPOSITORY`` and ``BRANCH``). An
instructor who hosts the course from a fork runs, in the fork's checkout::

    python -m dreamlib.hosting set-repository OWNER/NAME [--branch BRANCH]

which rewrites those two values and every address derived from them: the
"Open in Colab" badge of each notebook under ``notebooks/`` (source and
student notebooks; each badge opens its own notebook), the install in each
notebook's setup cell, and any other Colab, GitHub or pip address of the old
repository in the notebooks and ``README.md``. Nothing else in a file changes,
and running it again changes nothing.
"""

import argparse
import json
import re
import sys
from pathlib import Path

from . import course

#: A GitHub account or organisation: letters, digits and hyphens, at most 39.
OWNER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
#: A GitHub repository name: letters, digits, '.', '_' and '-', at most 100.
NAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,100}")
#: Characters allowed in a branch name: those that pip and Colab addresses carry as they are.
BRANCH_CHARACTERS = re.compile(r"[A-Za-z0-9._-]+")
#: Every "Open in Colab" address of a GitHub notebook.
COLAB_URL = re.compile(r"https://colab\.research\.google\.com/github/[^\s)\"'<>]+")
#: The pip requirement of a setup cell, ``dreamlib[EXTRAS] @ git+https://github.com/OWNER/NAME@BRANCH``:
#: group 1 is the part before the address.
PIP_SPEC = re.compile(r"(dreamlib(?:\[[\w,\s-]*\])?\s*@\s*)git\+https://github\.com/[^\s\"'@]+@[^\s\"']+")
_ASSIGNMENT = r"""^({name}\s*=\s*)(["'])([^"'\n]*)\2"""


def check_repository(repository):
    """Return ``repository`` if it is a GitHub ``OWNER/NAME``; raise ValueError saying why not.

    Examples
    --------
    >>> check_repository("jane-doe/dreamlib")
    'jane-doe/dreamlib'
    >>> check_repository("https://github.com/jane-doe/dreamlib")
    Traceback (most recent call last):
    ...
    ValueError: repository must be OWNER/NAME as on GitHub (e.g. 'jane-doe/dreamlib'), not an address: got 'https://github.com/jane-doe/dreamlib'
    """
    expected = "repository must be OWNER/NAME as on GitHub (e.g. 'jane-doe/dreamlib')"
    if not isinstance(repository, str):
        raise ValueError(f"{expected}: got {repository!r}")
    if "://" in repository or repository.startswith(("github.com", "git@")):
        raise ValueError(f"{expected}, not an address: got {repository!r}")
    parts = repository.split("/")
    if len(parts) != 2:
        raise ValueError(f"{expected}, with exactly one '/': got {repository!r}")
    owner, name = parts
    if not OWNER_PATTERN.fullmatch(owner):
        raise ValueError(f"{expected}; OWNER is 1-39 letters, digits or hyphens, not starting "
                         f"with a hyphen: got {owner!r} in {repository!r}")
    if not NAME_PATTERN.fullmatch(name) or name in {".", ".."}:
        raise ValueError(f"{expected}; NAME is 1-100 letters, digits, '.', '_' or '-': "
                         f"got {name!r} in {repository!r}")
    if name.lower().endswith(".git"):
        raise ValueError(f"{expected}, without '.git' at the end: got {repository!r}")
    return repository


def check_branch(branch):
    """Return ``branch`` if Git, pip and Colab addresses all accept it; raise ValueError saying why not.

    Branch names here are one word of letters, digits, '.', '_' and '-' (no
    '/': a Colab address takes the branch as one path segment), following
    Git's rules for those (``git check-ref-format --branch``).

    Examples
    --------
    >>> check_branch("fall-2025")
    'fall-2025'
    >>> check_branch("my branch")
    Traceback (most recent call last):
    ...
    ValueError: branch may contain only letters, digits, '.', '_' and '-': got 'my branch'
    """
    if not isinstance(branch, str) or not BRANCH_CHARACTERS.fullmatch(branch):
        raise ValueError(f"branch may contain only letters, digits, '.', '_' and '-': got {branch!r}")
    broken = (
        branch.startswith(("-", ".")) and "cannot start with '-' or '.'"
        or ".." in branch and "cannot contain '..'"
        or branch.endswith((".", ".lock")) and "cannot end with '.' or '.lock'"
    )
    if broken:
        raise ValueError(f"branch {broken} (Git's rule): got {branch!r}")
    return branch


def find_checkout(start):
    """The dreamlib checkout at or above ``start``; raise ValueError when there is none.

    A checkout has ``pyproject.toml`` naming the project ``dreamlib``,
    ``dreamlib/course.py`` and ``notebooks/``.
    """
    start = Path(start).resolve()
    for folder in [start, *start.parents]:
        if is_checkout(folder):
            return folder
    raise ValueError(
        f"no dreamlib checkout at or above {start} (looked for pyproject.toml naming the project "
        "'dreamlib', dreamlib/course.py and notebooks/): run this inside your fork's folder, "
        "or pass --root")


def is_checkout(folder):
    """True when ``folder`` is the root of a dreamlib checkout (see :func:`find_checkout`)."""
    folder = Path(folder)
    pyproject = folder / "pyproject.toml"
    return (
        pyproject.is_file()
        and re.search(r"""^name\s*=\s*["']dreamlib["']""", pyproject.read_text(encoding="utf-8"),
                      re.MULTILINE) is not None
        and (folder / "dreamlib" / "course.py").is_file()
        and (folder / "notebooks").is_dir()
    )


def course_notebooks(root):
    """Every notebook under ``root/notebooks`` (student notebooks too), skipping hidden folders."""
    folder = Path(root) / "notebooks"
    return sorted(path for path in folder.rglob("*.ipynb")
                  if not any(part.startswith(".") for part in path.relative_to(folder).parts))


def read_repository(course_source):
    """``(REPOSITORY, BRANCH)`` as assigned in the text of ``dreamlib/course.py``."""
    return tuple(_assignment(course_source, name).group(3) for name in ("REPOSITORY", "BRANCH"))


def set_repository(root, repository, branch="main"):
    """Point the checkout at ``root`` to GitHub ``repository`` and ``branch``.

    Rewrites ``REPOSITORY`` and ``BRANCH`` in ``dreamlib/course.py``, each
    notebook's Colab badge and setup-cell install, and the old repository's
    other Colab, GitHub and pip addresses in the notebooks and ``README.md``.
    Checks every file before writing any.

    Returns
    -------
    changed : list of (Path, int)
        Each file written, relative to ``root``, with the number of addresses
        or values changed in it; empty when everything already pointed there.
    """
    check_repository(repository)
    check_branch(branch)
    root = Path(root).resolve()
    if not is_checkout(root):
        raise ValueError(f"{root} is not a dreamlib checkout (it needs pyproject.toml naming "
                         "the project 'dreamlib', dreamlib/course.py and notebooks/)")
    course_file = root / "dreamlib" / "course.py"
    old_source = course_file.read_text(encoding="utf-8")
    old = read_repository(old_source)
    new = (repository, branch)
    updates = {course_file: _retarget_course(old_source, new)}
    problems = []
    for path in course_notebooks(root):
        try:
            updates[path] = _retarget_notebook(path, root, old, new)
        except ValueError as error:
            problems.append(f"{path.relative_to(root)}: {error}")
    if problems:
        raise ValueError("nothing was changed, because:\n  " + "\n  ".join(problems))
    readme = root / "README.md"
    if readme.is_file():
        updates[readme] = _retarget_text(readme.read_text(encoding="utf-8"), old, new)
    changed = []
    for path, (text, count) in updates.items():
        if count:
            path.write_text(text, encoding="utf-8")
            changed.append((path.relative_to(root), count))
    return changed


def _assignment(source, name):
    matches = list(re.finditer(_ASSIGNMENT.format(name=name), source, re.MULTILINE))
    if len(matches) != 1:
        raise ValueError(f"dreamlib/course.py should assign {name} = \"...\" exactly once, "
                         f"found {len(matches)}")
    return matches[0]


def _retarget_course(source, new):
    count = 0
    for name, value in zip(("REPOSITORY", "BRANCH"), new):
        match = _assignment(source, name)
        if match.group(3) != value:
            quote = match.group(2)
            source = (source[:match.start()] + f"{match.group(1)}{quote}{value}{quote}"
                      + source[match.end():])
            count += 1
    return source, count


def _retarget_text(text, old, new):
    """Text with the old repository's Colab, GitHub and pip addresses moved to the new one."""
    (old_repo, old_branch), (new_repo, new_branch) = old, new
    prefixes = [
        (f"https://colab.research.google.com/github/{old_repo}/blob/{old_branch}/",
         f"https://colab.research.google.com/github/{new_repo}/blob/{new_branch}/"),
        (f"git+https://github.com/{old_repo}@{old_branch}", f"git+https://github.com/{new_repo}@{new_branch}"),
    ] + [(f"https://github.com/{old_repo}/{kind}/{old_branch}/",
          f"https://github.com/{new_repo}/{kind}/{new_branch}/") for kind in ("blob", "tree", "raw")]
    count = 0
    for before, after in prefixes:
        # an address ends where the branch or file name does: not inside a longer branch name
        pattern = re.escape(before) + (r"(?![\w./-])" if before.endswith(old_branch) else "")
        text, n = re.subn(pattern, lambda _: after, text)
        count += n if before != after else 0
    return text, count


def _retarget_notebook(path, root, old, new):
    text = path.read_text(encoding="utf-8")
    notebook = json.loads(text)
    cells = notebook.get("cells", [])
    own = path.relative_to(root / "notebooks").as_posix()
    badge = course.colab_url(own, *new)
    address = "git+https://github.com/{}@{}".format(*new)
    if not cells or cells[0].get("cell_type") != "markdown" or not COLAB_URL.search(
            _source(cells[0])):
        raise ValueError("its first cell should be the title cell with an \"Open in Colab\" badge")
    setup = next((cell for cell in cells if cell.get("cell_type") == "code"), None)
    if setup is None or not PIP_SPEC.search(_source(setup)):
        raise ValueError("its setup cell (the first code cell) should install "
                         f"\"{course.pip_spec('OWNER/NAME', 'BRANCH')}\"")
    count = 0
    for cell in cells:
        before = _source(cell)
        after, _ = _retarget_text(before, old, new)
        if cell is cells[0]:
            after = COLAB_URL.sub(lambda _: badge, after)
        if cell is setup:
            after = PIP_SPEC.sub(lambda match: match.group(1) + address, after)
        if after != before:
            count += _count_changes(before, after)
            cell["source"] = after.splitlines(keepends=True) if isinstance(
                cell["source"], list) else after
    # nbformat's own layout, so an unchanged notebook is written back byte for byte
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n", count


def _count_changes(before, after):
    return sum(a != b for a, b in zip(re.split(r"[\s\"'()<>]+", before),
                                      re.split(r"[\s\"'()<>]+", after)))


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def main(argv=None):
    """``python -m dreamlib.hosting set-repository OWNER/NAME [--branch BRANCH] [--root DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m dreamlib.hosting",
        description="Course maintenance for instructors.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = commands.add_parser(
        "set-repository",
        help="point Colab badges and setup cells at your fork",
        description="Point this checkout at the GitHub repository that hosts your course: "
                    "rewrites REPOSITORY and BRANCH in dreamlib/course.py and every notebook's "
                    "Colab badge and setup cell. Run it after forking, then commit and push.")
    command.add_argument("repository", metavar="OWNER/NAME",
                         help="the GitHub repository students open, e.g. jane-doe/dreamlib")
    command.add_argument("--branch", default="main",
                         help="the branch Colab opens and installs from (default: main)")
    command.add_argument("--root", default=None,
                         help="the checkout to change (default: the one containing the "
                              "current folder)")
    args = parser.parse_args(argv)
    try:
        check_repository(args.repository)
        check_branch(args.branch)
        root = find_checkout(".") if args.root is None else args.root
        changed = set_repository(root, args.repository, args.branch)
    except ValueError as error:
        command.error(str(error))
    target = f"https://github.com/{args.repository} (branch {args.branch})"
    for path, count in changed:
        print(f"updated {path} ({count} change{'s' * (count != 1)})")
    if changed:
        print(f"The course now opens and installs from {target}. Commit and push this change to "
              "that branch; the badges work once it is on GitHub and the repository is public.")
    else:
        print(f"Nothing to change: this checkout already points at {target}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
