#!/usr/bin/env python3
"""Unit tests of facts.py: each check passes on a true page and fails on a wrong one (the
negative controls), with the real alert rules of the chart."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import facts  # noqa: E402

RULES = os.path.join(HERE, "..", "..", "charts", "comments", "files", "alerts.yaml")
HEADER = "TIME                  ACTION         TAG                   DIGEST               REVISION      FROM"
ROW = "2026-11-26T11:22:11Z  pin            0.1.0-5a141f4         sha256:ab96c379cbcf  5a141f4       ci  (current)"


class Metrics(unittest.TestCase):
    exported = facts.parse_exposition(
        "# TYPE http_requests_total counter\n# TYPE storage_operation_duration_seconds histogram\n"
        "# TYPE process_open_fds gauge\n")

    def test_exported_names_histogram_parts_and_prefixes_pass(self):
        page = {"p.md": "`http_requests_total`, `storage_operation_duration_seconds_bucket`, `process_*`"}
        self.assertEqual(facts.metric_problems(page, self.exported), [])

    def test_a_name_the_service_does_not_export_fails(self):
        problems = facts.metric_problems({"p.md": "x\n`http_request_total` rising"}, self.exported)
        self.assertEqual(len(problems), 1)
        self.assertIn("p.md:2: http_request_total is not a metric", problems[0])

    def test_listed_non_metrics_pass(self):
        self.assertEqual(facts.metric_problems({"p.md": "role `comments_v2`"}, self.exported), [])


class Alerts(unittest.TestCase):
    alerts = facts.load_alerts(RULES)

    def test_thresholds_come_from_the_rules(self):
        self.assertEqual(self.alerts["CommentsHighErrorRatio"]["percents"], {5.0})
        self.assertEqual(self.alerts["CommentsLatencySLOBurnFast"]["percents"], {14.4})
        self.assertEqual(self.alerts["CommentsRestarting"]["counts"], {3.0})
        self.assertEqual(self.alerts["CommentsHighErrorRatio"]["for"], 5)

    def test_true_lines_pass(self):
        page = {"p.md": "| `CommentsHighErrorRatio` | more than 5% of requests answer 5xx for 5 min |\n"
                        "| `CommentsRestarting` | a pod restarted 3 times within 30 min |"}
        self.assertEqual(facts.alert_problems(page, self.alerts), [])

    def test_wrong_threshold_duration_count_or_name_fails(self):
        page = {"p.md": "| `CommentsHighErrorRatio` | more than 1% of API answers are 5xx |\n"
                        "| `CommentsPodNotReady` | not ready for 10 min |\n"
                        "| `CommentsRestarting` | restarted 5 times |\n"
                        "| `CommentsDiskFull` | never |"}
        problems = facts.alert_problems(page, self.alerts)
        self.assertEqual(len(problems), 4, problems)
        self.assertIn("p.md:1: 1% is not the alert's threshold (5%)", problems)


class History(unittest.TestCase):
    def test_a_table_like_commentsctls_passes(self):
        page = {"p.md": "```console\n$ commentsctl history prod\n" + HEADER + "\n"
                        "2026-11-23T15:10:42Z  promote        0.1.0-5a141f4         sha256:ab96c379cbcf  5a141f4       dev  (current)\n```"}
        self.assertEqual(facts.history_problems(page, HEADER, ROW), [])

    def test_other_header_columns_or_digest_fail(self):
        page = {"p.md": HEADER.replace("ACTION ", "ACTION  ") + "\n\n" + HEADER + "\n"
                        "2026-11-23T15:10:42Z  promote      0.1.0-5a141f4           sha256:ab96c379cbcf  5a141f4       dev\n"
                        "2026-11-23T15:10:42Z  promote        0.1.0-5a141f4         sha256:ab96c379      5a141f4       dev\n"}
        problems = facts.history_problems(page, HEADER, ROW)
        self.assertEqual(len(problems), 3, problems)


if __name__ == "__main__":
    unittest.main()
