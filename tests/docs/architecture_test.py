#!/usr/bin/env python3
"""ARCHITECTURE.md stays true: every file or folder it names exists.

A name with a slash is a path from the project root (or ../shared); a bare file
name must be some file of the tree. Usage: architecture_test.py ROOT"""
import os
import re
import sys
import unittest

ROOT = sys.argv.pop(1) if len(sys.argv) > 1 else os.getcwd()
SUFFIXES = (".cc", ".h", ".proto", ".md", ".py", ".sh", ".txt", "/")


class ArchitectureDoc(unittest.TestCase):
    def test_every_named_file_exists(self):
        with open(os.path.join(ROOT, "ARCHITECTURE.md"), encoding="utf-8") as f:
            text = f.read()
        names = set()
        for token in re.findall(r"`([^`\s]+)`", text):
            token = token.split("(")[0].rstrip(",.:")
            if token.endswith(SUFFIXES) and not token.startswith(("-", "/")):
                names.add(token)
        self.assertGreater(len(names), 40, "the page names the files it talks about")
        everything = set()
        for directory, _, files in os.walk(ROOT):
            if "/build" in directory or "/.git" in directory:
                continue
            everything.update(files)
        missing = []
        for name in sorted(names):
            if "/" in name.rstrip("/"):
                if not os.path.exists(os.path.join(ROOT, name)):
                    missing.append(name)
            elif name.endswith("/"):
                if not any(os.path.isdir(os.path.join(d, name)) for d, _, _ in os.walk(ROOT)):
                    missing.append(name)
            elif name not in everything:
                missing.append(name)
        self.assertEqual(missing, [], "ARCHITECTURE.md names files that do not exist")


if __name__ == "__main__":
    unittest.main()
