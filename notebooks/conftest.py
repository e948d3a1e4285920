"""nbval runs the course notebooks (the instructor versions) only.

The student versions in ``student/`` are generated from them (``python -m dreamlib.grading build``)
and are run by ``tests/test_assignments.py`` through Otter-Grader, unanswered.
"""

collect_ignore = ["student"]
