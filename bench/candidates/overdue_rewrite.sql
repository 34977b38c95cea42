-- Candidate restructuring of the overdue statement (NOT the production query; see bench/README.md).
--
-- Same rows as find_overdue's UNION ALL (verified: 0 mismatches on the 700,000-subject data set, country
-- and county), written for the default --as-of 2026-11-26T12:00+08:00, so every date below is the value
-- find_overdue binds for that day. Instantiate before running:
--   whole country: :scope -> true                 :hours_join -> (nothing)
--   one county:    :scope -> s.county_id = 7567   :hours_join -> JOIN subjects s2 ON s2.id = a.subject_id AND s2.county_id = 7567
-- e.g. sed 's/:hours_join//; s/:scope/true/' bench/candidates/overdue_rewrite.sql | psql …
--
-- What changes against the production statement:
-- 1. One pass over the subjects in scope (CTE x) instead of one subjects ⋈ subject_levels join per branch.
-- 2. The level on a day: the closed span covering that day if any, else subjects.level (the open span's
--    level: update_subject keeps them equal). Only spans closed after the day are joined, a few thousand.
-- 3. Reports: EXISTS per (kind, period) in x's select list, so PostgreSQL picks per subject between a hashed
--    subplan over the period's reports (whole country) and an index probe (one county).
-- 4. Hours: one aggregate over the month's confirmed activities for both kinds, joined once, instead of a
--    correlated sum per subject and kind (evaluated in the join filter for every row).
-- Needs: CREATE INDEX … ON reports (kind, period_start, subject_id);
--        CREATE INDEX … ON activities (occurred_on) INCLUDE (subject_id, kind, minutes) WHERE status = 'confirmed';
WITH x AS MATERIALIZED (
  SELECT s.id, s.name, s.office_id, s.category, s.reported_in_on AS rin, s.ended_on AS eon, s.report_in_due,
         CASE WHEN s.reported_in_on > DATE '2026-09-15' THEN 'strict' ELSE coalesce(c1.level, s.level) END AS l1,
         CASE WHEN s.reported_in_on > DATE '2026-08-31' THEN 'strict' ELSE coalesce(c2.level, s.level) END AS l2,
         CASE WHEN s.reported_in_on > DATE '2026-09-22' THEN 'strict' ELSE coalesce(c3.level, s.level) END AS l3,
         EXISTS (SELECT 1 FROM reports r WHERE r.subject_id = s.id AND r.kind = 'periodic' AND r.period_start = DATE '2026-11-02') AS r1,
         EXISTS (SELECT 1 FROM reports r WHERE r.subject_id = s.id AND r.kind = 'periodic' AND r.period_start = DATE '2026-10-01') AS r2,
         EXISTS (SELECT 1 FROM reports r WHERE r.subject_id = s.id AND r.kind = 'periodic' AND r.period_start = DATE '2026-11-16') AS r3,
         CASE WHEN s.category = 'temporary_release' THEN EXISTS (SELECT 1 FROM reports r WHERE r.subject_id = s.id AND r.kind = 'health_report' AND r.period_start = DATE '2026-10-01') END AS r4,
         CASE WHEN s.category = 'temporary_release' THEN EXISTS (SELECT 1 FROM reports r WHERE r.subject_id = s.id AND r.kind = 'medical_review' AND r.period_start = DATE '2026-07-01') END AS r5,
         coalesce(h.edu, 0) AS edu, coalesce(h.pw, 0) AS pw
  FROM subjects s
  LEFT JOIN subject_levels c1 ON c1.subject_id = s.id AND c1.valid_from <= DATE '2026-11-15' AND c1.valid_to > DATE '2026-11-15'
  LEFT JOIN subject_levels c2 ON c2.subject_id = s.id AND c2.valid_from <= DATE '2026-10-31' AND c2.valid_to > DATE '2026-10-31'
  LEFT JOIN subject_levels c3 ON c3.subject_id = s.id AND c3.valid_from <= DATE '2026-11-22' AND c3.valid_to > DATE '2026-11-22'
  LEFT JOIN (
    SELECT a.subject_id, sum(a.minutes) FILTER (WHERE a.kind = 'education') AS edu,
           sum(a.minutes) FILTER (WHERE a.kind = 'public_welfare') AS pw
    FROM activities a :hours_join
    WHERE a.status = 'confirmed' AND a.kind IN ('education', 'public_welfare')
      AND a.occurred_on BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'
    GROUP BY a.subject_id) h ON h.subject_id = s.id
  WHERE :scope AND (s.ended_on IS NULL OR s.ended_on > DATE '2026-09-30')
)
SELECT id, name, office_id, 'report_in', NULL::date, NULL::date, report_in_due, NULL::int, NULL::bigint FROM x
WHERE report_in_due < DATE '2026-11-26' AND (rin IS NULL OR rin > DATE '2026-11-26') AND (eon IS NULL OR eon > DATE '2026-11-26')
UNION ALL
SELECT id, name, office_id, 'periodic', DATE '2026-11-02', DATE '2026-11-15', DATE '2026-11-17', NULL, NULL FROM x
WHERE rin <= DATE '2026-11-02' AND (eon IS NULL OR eon > DATE '2026-11-15') AND l1 = 'ordinary' AND NOT r1
UNION ALL
SELECT id, name, office_id, 'periodic', DATE '2026-10-01', DATE '2026-10-31', DATE '2026-11-02', NULL, NULL FROM x
WHERE rin <= DATE '2026-10-01' AND (eon IS NULL OR eon > DATE '2026-10-31') AND l2 = 'lenient' AND NOT r2
UNION ALL
SELECT id, name, office_id, 'periodic', DATE '2026-11-16', DATE '2026-11-22', DATE '2026-11-24', NULL, NULL FROM x
WHERE rin <= DATE '2026-11-16' AND (eon IS NULL OR eon > DATE '2026-11-22') AND l3 = 'strict' AND NOT r3
UNION ALL
SELECT id, name, office_id, 'health_report', DATE '2026-10-01', DATE '2026-10-31', DATE '2026-11-05', NULL, NULL FROM x
WHERE rin <= DATE '2026-10-01' AND (eon IS NULL OR eon > DATE '2026-10-31') AND category = 'temporary_release' AND NOT r4
UNION ALL
SELECT id, name, office_id, 'medical_review', DATE '2026-07-01', DATE '2026-09-30', DATE '2026-10-10', NULL, NULL FROM x
WHERE rin <= DATE '2026-07-01' AND (eon IS NULL OR eon > DATE '2026-09-30') AND category = 'temporary_release' AND NOT r5
UNION ALL
SELECT id, name, office_id, 'education_hours', DATE '2026-10-01', DATE '2026-10-31', DATE '2026-10-31',
       CASE l2 WHEN 'strict' THEN 720 WHEN 'ordinary' THEN 480 WHEN 'lenient' THEN 240 ELSE 0 END, edu FROM x
WHERE rin <= DATE '2026-10-01' AND (eon IS NULL OR eon > DATE '2026-10-31')
  AND edu < CASE l2 WHEN 'strict' THEN 720 WHEN 'ordinary' THEN 480 WHEN 'lenient' THEN 240 ELSE 0 END
UNION ALL
SELECT id, name, office_id, 'public_welfare_hours', DATE '2026-10-01', DATE '2026-10-31', DATE '2026-10-31',
       CASE l2 WHEN 'strict' THEN 720 WHEN 'ordinary' THEN 480 WHEN 'lenient' THEN 240 ELSE 0 END, pw FROM x
WHERE rin <= DATE '2026-10-01' AND (eon IS NULL OR eon > DATE '2026-10-31')
  AND pw < CASE l2 WHEN 'strict' THEN 720 WHEN 'ordinary' THEN 480 WHEN 'lenient' THEN 240 ELSE 0 END
