"""Settings: production refuses to start without its secrets; the rule table merges regional overrides."""

import pytest

from config import ConfigError, Development, load_rules, settings_for
from mobile_api import create_app

PRODUCTION_ENV = {
    "SECRET_KEY": "p" * 40, "DATABASE_URL": "postgresql+psycopg://sqjz@db/sqjz",
    "ID_NUMBER_KEYS": "a2V5LWZvci10ZXN0cy0wMDAwMDAwMDAwMDAwMDAwMDA=", "ID_INDEX_KEY": "index-key",
    "WECHAT_APPID": "wx123", "WECHAT_SECRET": "secret",
    "VAPID_PRIVATE_KEY": "RvaIbpW3rdNc-eSSEG5hoh0HY8ozy3RZy-GxOjVTxqE",
    "VAPID_PUBLIC_KEY": "BMQTo4RvRDFOA7tU22mC9OwmDpsqCUwEVIm_Zt1vZSklu6_ac51Emc_dSOoNjOQSGHm-qH9hwmUn6CcMJQGb2b0",
    "VAPID_SUBJECT": "mailto:ops@example.com", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
}


def test_production_starts_with_every_secret_from_the_environment():
    values = settings_for("production", environ=PRODUCTION_ENV)
    assert values["SQLALCHEMY_DATABASE_URI"] == PRODUCTION_ENV["DATABASE_URL"]
    assert values["ID_NUMBER_KEYS"] == [PRODUCTION_ENV["ID_NUMBER_KEYS"]]
    assert values["DEMO_ADMIN"] is False


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without_a_secret(missing):
    environ = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    with pytest.raises(ConfigError, match="refuses to start"):
        settings_for("production", environ=environ)


def test_production_refuses_sqlite_and_short_keys():
    with pytest.raises(ConfigError, match="PostgreSQL"):
        settings_for("production", environ={**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///x.db"})
    with pytest.raises(ConfigError, match="32 characters"):
        settings_for("production", environ={**PRODUCTION_ENV, "SECRET_KEY": "short"})


def test_production_refuses_a_vapid_subject_that_is_not_a_contact():
    with pytest.raises(ConfigError, match="VAPID_SUBJECT"):
        settings_for("production", environ={**PRODUCTION_ENV, "VAPID_SUBJECT": "ops@example.com"})


def test_production_refuses_rate_limits_counted_per_process():
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        settings_for("production", environ={**PRODUCTION_ENV, "RATELIMIT_STORAGE_URI": "memory://"})
    assert settings_for("production", environ=PRODUCTION_ENV, overrides={
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://"})["RATELIMIT_ENABLED"] is False


def test_trusted_proxies_is_a_number_from_the_environment():
    assert settings_for("production", environ=PRODUCTION_ENV)["TRUSTED_PROXIES"] == 0
    assert settings_for("production", environ={**PRODUCTION_ENV, "TRUSTED_PROXIES": "1"})["TRUSTED_PROXIES"] == 1
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        settings_for("production", environ={**PRODUCTION_ENV, "TRUSTED_PROXIES": "nginx"})


def test_vapid_keys_that_do_not_belong_together_stop_start_up():
    with pytest.raises(ConfigError, match="VAPID"):
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://",
                               "VAPID_PUBLIC_KEY": Development.VAPID_PUBLIC_KEY})


def test_wechat_templates_come_from_the_environment_as_pairs():
    values = settings_for("production", environ={**PRODUCTION_ENV, "WECHAT_TEMPLATES": "reminder=tA, alert = tB"})
    assert values["WECHAT_TEMPLATES"] == {"reminder": "tA", "alert": "tB"}
    with pytest.raises(ConfigError, match="key=value"):
        settings_for("production", environ={**PRODUCTION_ENV, "WECHAT_TEMPLATES": "reminder"})


def test_unknown_configuration_name():
    with pytest.raises(ConfigError, match="unknown configuration"):
        settings_for("staging", environ={})


def test_development_needs_no_environment():
    values = settings_for("development", environ={})
    assert values["DEMO_ADMIN"] is True and values["SQLALCHEMY_DATABASE_URI"] is None  # factory picks the file


def test_national_rules_and_a_regional_override(tmp_path):
    national = load_rules()
    assert national["intake.report_in_days"] == 10
    (tmp_path / "210000.toml").write_text("[classification]\nnew_intake_strict_months = 3\n", encoding="utf-8")
    regional = load_rules("210000", regions_dir=tmp_path)
    assert regional["classification.new_intake_strict_months"] == 3
    assert regional["intake.report_in_days"] == 10 and regional.region == "210000"


def test_a_regional_override_of_an_unknown_rule_is_refused(tmp_path):
    (tmp_path / "990000.toml").write_text("[intake]\nreport_in_dayz = 7\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown rule 'intake.report_in_dayz'"):
        load_rules("990000", regions_dir=tmp_path)


def test_rule_table_is_read_only():
    rules = load_rules()
    bounds = rules["term_bounds.control"]
    bounds["min_months"] = 0
    assert rules["term_bounds.control"]["min_months"] == 3
    with pytest.raises(KeyError):
        rules["intake.nonexistent"]


def test_postgresql_sessions_run_without_jit():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://sqjz@127.0.0.1:1/none"})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"options": "-c jit=off"}
    sqlite = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "connect_args" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]
