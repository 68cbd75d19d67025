#!/usr/bin/env python3
"""Unit tests of the docs example extractor and checker (examples.py), with negative controls:
a wrong expected output, an unmarked block and a missing reason each make it fail."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import examples  # noqa: E402

FENCE = "```"


def page(*blocks):
    return "# A page\n\nText.\n\n" + "\n\n".join(blocks) + "\n"


class Extract(unittest.TestCase):
    def test_console_block_is_split_into_commands_and_output(self):
        text = page(f"{FENCE}console {{run}}\n$ echo a \\\n  b\na b\n$ true\n\n$ printf 'x\\ny\\n'\nx\ny\n{FENCE}")
        (block,) = examples.extract("p.md", text)
        self.assertTrue(block.runnable)
        self.assertEqual([c.text for c in block.commands], ["echo a \\\n  b", "true", "printf 'x\\ny\\n'"])
        self.assertEqual([c.expected for c in block.commands], [["a b"], [], ["x", "y"]])
        self.assertEqual(block.commands[0].line, 6)

    def test_not_run_block_needs_its_visible_reason(self):
        ok = page(f"{FENCE}sh\n# not run here: needs a cluster\nkubectl get pods\n{FENCE}")
        (block,) = examples.extract("p.md", ok)
        self.assertFalse(block.runnable)

    def test_unmarked_shell_block_is_refused(self):
        with self.assertRaisesRegex(examples.DocError, r"p.md:5: shell example neither marked"):
            examples.extract("p.md", page(f"{FENCE}sh\nkubectl get pods\n{FENCE}"))

    def test_unknown_marker_is_refused(self):
        with self.assertRaisesRegex(examples.DocError, r"unknown marker"):
            examples.extract("p.md", page(f"{FENCE}sh {{runn}}\ntrue\n{FENCE}"))

    def test_other_languages_and_indented_fences_are_left_alone(self):
        text = page(f"{FENCE}yaml\na: 1\n{FENCE}", f"- item\n\n  {FENCE}console {{run}}\n  $ echo hi\n  hi\n  {FENCE}")
        (block,) = examples.extract("p.md", text)
        self.assertEqual(block.commands[0].expected, ["hi"])


class Matches(unittest.TestCase):
    def test_exact(self):
        self.assertTrue(examples.matches(["a", "b"], ["a", "b"]))
        self.assertFalse(examples.matches(["a", "b"], ["a", "c"]))
        self.assertFalse(examples.matches(["a"], ["a", "b"]))

    def test_ellipsis_within_a_line(self):
        self.assertTrue(examples.matches(['"created_at":"…"}'], ['"created_at":"2026-11-26T11:00:00.000Z"}']))
        self.assertFalse(examples.matches(['"created_at":"…"}'], ['"created_at":"x"]']))
        self.assertTrue(examples.matches(["a.b (…)"], ["a.b ()"]))
        self.assertFalse(examples.matches(["a.b"], ["axb"]))  # no regular expressions

    def test_ellipsis_line_matches_any_number_of_lines(self):
        self.assertTrue(examples.matches(["first", "…", "last"], ["first", "last"]))
        self.assertTrue(examples.matches(["first", "…", "last"], ["first", "1", "2", "last"]))
        self.assertFalse(examples.matches(["first", "…", "last"], ["first", "1", "2"]))


class Run(unittest.TestCase):
    def run_text(self, text):
        (block,) = examples.extract("p.md", page(text))
        with tempfile.TemporaryDirectory() as cwd:
            return examples.run_block(block, dict(os.environ), cwd, 0)

    def test_matching_output_passes(self):
        self.assertEqual(self.run_text(f"{FENCE}console {{run}}\n$ x=5\n$ echo \"$x apples\"; echo err >&2\n5 apples\nerr\n{FENCE}"), [])

    def test_wrong_expected_output_fails(self):
        # The negative control: the checker must catch a doc whose output is wrong.
        failures = self.run_text(f"{FENCE}console {{run}}\n$ echo 5 apples\n6 apples\n{FENCE}")
        self.assertEqual(len(failures), 1)
        self.assertIn("p.md:6: `echo 5 apples` printed\n    5 apples\n  but the doc shows\n    6 apples", failures[0])

    def test_missing_output_fails(self):
        self.assertEqual(len(self.run_text(f"{FENCE}console {{run}}\n$ echo hi\n{FENCE}")), 1)

    def test_output_without_final_newline_is_kept_apart(self):
        self.assertEqual(self.run_text(f"{FENCE}console {{run}}\n$ printf ab\nab\n$ echo c\nc\n{FENCE}"), [])

    def test_failing_script_block_fails(self):
        self.assertEqual(self.run_text(f"{FENCE}sh {{run}}\ntrue\n{FENCE}"), [])
        self.assertEqual(len(self.run_text(f"{FENCE}sh {{run}}\nfalse\ntrue\n{FENCE}")), 1)

    def test_port_8000_means_the_page_service(self):
        (block,) = examples.extract("p.md", page(f"{FENCE}console {{run}}\n$ echo localhost:8000\nlocalhost:8000\n{FENCE}"))
        with tempfile.TemporaryDirectory() as cwd:
            self.assertEqual(examples.run_block(block, dict(os.environ), cwd, 4321), [])
        self.assertEqual(examples.localize("curl 127.0.0.1:8000/x localhost:80001", 4321),
                         "curl 127.0.0.1:4321/x localhost:80001")


if __name__ == "__main__":
    unittest.main()
