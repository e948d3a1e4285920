"""What every notebook needs to open and install in Google Colab (used by ``test_colab.py`` and
``test_hosting.py``).

Written from the addresses' documented shapes, independently of ``dreamlib.course`` and
``dreamlib.hosting``, so that the tests check those modules rather than repeat them:

- the first cell is markdown with an "Open in Colab" badge whose every Colab address is
  ``https://colab.research.google.com/github/OWNER/NAME/blob/BRANCH/notebooks/<its own path>``;
- the setup cell (the first code cell) installs ``dreamlib[student] @ git+https://github.com/OWNER/NAME@BRANCH``
  only inside ``if "google.colab" in sys.modules:``; nothing anywhere installs outside that guard,
  and no install names ipywidgets or forces upgrades or reinstalls (Colab ships ipywidgets 7.7
  and its front end expects it).
"""

import json
import re

COLAB_URL = re.compile(r"https://colab\.research\.google\.com/github/[^\s)\"'<>]+")
COLAB_GUARD = re.compile(r"""^(\s*)if\s+["']google\.colab["']\s+in\s+sys\.modules\s*:""")
INSTALL = re.compile(r"^\s*[%!]\s*(pip|pip3|conda|mamba|uv)\b|\bpip\s+install\b|-m\s+pip\b"
                     r"""|["']pip["']\s*,\s*["']install["']""")
FORBIDDEN_IN_INSTALL = re.compile(
    r"ipywidgets|widgetsnbextension|jupyterlab.widgets|--upgrade-strategy[ =]eager"
    r"""|--force-reinstall|--ignore-installed|(^|\s)-I(\s|$)|["']-I["']""")


def notebooks(root):
    """Every notebook under ``root/notebooks``, student notebooks included, hidden folders not."""
    folder = root / "notebooks"
    return sorted(p for p in folder.rglob("*.ipynb")
                  if not any(part.startswith(".") for part in p.relative_to(folder).parts))


def colab_badge_url(root, path, repository, branch):
    """The address the badge of notebook ``path`` must have."""
    own = path.relative_to(root / "notebooks").as_posix()
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/notebooks/{own}"


def pip_requirement(repository, branch):
    """What the setup cell installs: dreamlib with the ``student`` extra, from ``repository``."""
    return f"dreamlib[student] @ git+https://github.com/{repository}@{branch}"


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def badge_problems(root, path, repository, branch):
    """Why the title cell of ``path`` does not open ``path`` itself from ``repository``."""
    name = path.relative_to(root).as_posix()
    first = cells(path)[0]
    if first["cell_type"] != "markdown":
        return [f"{name}: the first cell must be the markdown title cell"]
    text = source(first)
    urls = COLAB_URL.findall(text)
    expected = colab_badge_url(root, path, repository, branch)
    problems = []
    if not urls:
        problems.append(f"{name}: no Colab badge link in the first cell")
    elif set(urls) != {expected}:
        problems.append(f"{name}: Colab link(s) {urls} should be {expected}")
    if not re.search(r"colab-badge|Open [Ii]n Colab", text):
        problems.append(f"{name}: the Colab link should be the badge image")
    return problems


def guarded_installs(path):
    """``(cell index, line, inside the Colab guard)`` for every install line of ``path``."""
    found = []
    for index, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code":
            continue
        guard_indent = None
        for line in source(cell).splitlines():
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            if guard_indent is not None and indent <= guard_indent:
                guard_indent = None  # left the if-block
            match = COLAB_GUARD.match(line)
            if match:
                guard_indent = len(match.group(1))
                continue
            if INSTALL.search(line):
                found.append((index, line.strip(), guard_indent is not None))
    return found


def colab_block(text):
    """The lines of the ``if "google.colab" in sys.modules:`` block in ``text``, guard included."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if COLAB_GUARD.match(line)), None)
    if start is None:
        return ""
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (not lines[end].strip()
                                or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    return "\n".join(lines[start:end])


def setup_problems(root, path, repository, branch):
    """Why the setup cell of ``path`` does not install dreamlib from ``repository`` safely."""
    name = path.relative_to(root).as_posix()
    all_cells = cells(path)
    installs = guarded_installs(path)
    problems = [f"{name}, cell {i}: {line!r} installs outside `if \"google.colab\" in sys.modules:`"
                for i, line, guarded in installs if not guarded]
    problems += [f"{name}, cell {i}: {line!r} would change Colab's ipywidgets"
                 for i, line, _ in installs if FORBIDDEN_IN_INSTALL.search(line)]
    first_code = next((i for i, c in enumerate(all_cells) if c["cell_type"] == "code"), None)
    if not installs:
        return problems + [f"{name}: no setup cell installing dreamlib in Colab"]
    if installs[0][0] != first_code:
        problems.append(f"{name}: the Colab install should be in the setup cell (first code "
                        f"cell, #{first_code}), found in cell {installs[0][0]}")
    block = colab_block(source(all_cells[first_code]))
    requirement = pip_requirement(repository, branch)
    if f'"{requirement}"' not in block and f"'{requirement}'" not in block:
        problems.append(f"{name}: the setup cell should install \"{requirement}\" inside its "
                        "Colab block")
    return problems


def readme_problems(root, repository, branch):
    """Colab addresses in README.md that do not open an existing notebook of ``repository``."""
    readme = root / "README.md"
    if not readme.is_file():
        return []
    problems = []
    prefix = f"https://colab.research.google.com/github/{repository}/blob/{branch}/"
    for url in COLAB_URL.findall(readme.read_text(encoding="utf-8")):
        if not url.startswith(prefix) or not (root / url[len(prefix):]).is_file():
            problems.append(f"README.md: {url} should start with {prefix} and name a notebook")
    return problems


def colab_problems(root, repository, branch):
    """Every problem above, over every notebook under ``root`` and its README."""
    problems = readme_problems(root, repository, branch)
    for path in notebooks(root):
        problems += badge_problems(root, path, repository, branch)
        problems += setup_problems(root, path, repository, branch)
    return problems
