-- Reference data every Perfherder database carries (spec section 2.1): the fixture frameworks and the
-- issue trackers. Issue tracker 1 must exist: it is the default issue_tracker_id of every alert summary.

INSERT INTO performance_framework (id, name, enabled) VALUES
  (1, 'talos', true),
  (2, 'build_metrics', true),
  (4, 'awsy', true),
  (5, 'awfy', false),
  (6, 'platform_microbench', true),
  (11, 'js-bench', true),
  (12, 'devtools', true),
  (13, 'browsertime', true),
  (14, 'vcs', false),
  (15, 'mozperftest', true),
  (16, 'fxrecord', true),
  (17, 'telemetry', true),
  (18, 'mozharness', true);

INSERT INTO issue_tracker (id, name, task_base_url) VALUES
  (1, 'Bugzilla', 'https://bugzilla.mozilla.org/show_bug.cgi?id='),
  (2, 'Github - Servo', 'https://github.com/servo/servo/pull/');

-- Explicit ids do not advance an identity sequence; move both past the rows above so the next
-- default id does not collide.
SELECT setval(pg_get_serial_sequence('performance_framework', 'id'), (SELECT max(id) FROM performance_framework));
SELECT setval(pg_get_serial_sequence('issue_tracker', 'id'), (SELECT max(id) FROM issue_tracker));
