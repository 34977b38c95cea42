"""The console shows an alert's evidence in words: Chinese labels, local times, names for codes, nested signals."""

from mobile_api.console.evidence import evidence_rows


def test_a_report_overdue_alert():
    rows = evidence_rows({"kind": "periodic", "period_start": "2026-11-02", "period_end": "2026-11-15",
                          "due": "2026-11-17", "days_late": 9})
    assert rows == [(0, "类型", "定期报告"), (0, "周期开始", "2026-11-02"), (0, "周期结束", "2026-11-15"),
                    (0, "应完成日期", "2026-11-17"), (0, "逾期天数", "9")]


def test_signals_are_nested_under_their_own_heading_with_local_times():
    rows = evidence_rows({"signals": [{"id": 7, "kind": "impossible_speed", "detected_at": "2026-11-26T03:55:00+00:00",
                                       "evidence": {"checkin_ids": [1, 2], "speed_kmh": 5200.5, "offline": False}}],
                          "absent_days": 0})
    assert rows == [(0, "信号 1", ""), (1, "编号", "7"), (1, "类型", "移动速度异常"),
                    (1, "发现时间", "2026-11-26 11:55"), (1, "依据", ""), (2, "签到记录编号", "1、2"),
                    (2, "速度（公里/小时）", "5200.5"), (2, "离线补传", "否"), (0, "持续天数", "0")]


def test_an_unknown_key_or_code_is_shown_as_it_is():
    assert evidence_rows({"novel": "x", "verdict": "sideways"}) == [(0, "novel", "x"), (0, "判定", "sideways")]
