"""The HTTP entry point: the core app plus the API blueprints, the error envelope, the OpenAPI description and the
web console (/console/)."""

import os

from flask import Flask, send_from_directory
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path

from correction.factory import create_app as create_core_app
from mobile_api import auth, console, errors, limits
from mobile_api.schemas.base import ErrorEnvelopeSchema
from mobile_api.views import activities, admin, health, leave, me, permits, relocation, reports, subjects, uploads
from mobile_api.views import alerts
from mobile_api.views import notifications
from mobile_api.views import checkins
from mobile_api.views import inspections
from mobile_api.views import audit, stats
from mobile_api.views import investigations, resettlement
from mobile_api.views import auth as auth_views

BLUEPRINTS = (auth_views.blp, admin.blp, subjects.blp, me.blp, reports.blp, activities.blp, uploads.blp, leave.blp,
              permits.blp, relocation.blp, alerts.blp, notifications.blp, checkins.blp, inspections.blp,
              audit.blp, stats.blp, investigations.blp, resettlement.blp)
DOCS_ASSETS = "/api/v1/docs/assets/"


class SqjzApi(Api):
    """flask-smorest with the contract's error envelope documented and produced."""

    ERROR_SCHEMA = ErrorEnvelopeSchema

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the API app; `config_name` defaults to $SQJZ_CONFIG, then development."""
    app = create_core_app(config_name or os.environ.get("SQJZ_CONFIG", "development"), overrides)
    # Swagger UI served from the installed bundle: the docs page needs no CDN.
    app.config["OPENAPI_SWAGGER_UI_URL"] = DOCS_ASSETS
    auth.init_app(app)
    api = SqjzApi(app, spec_kwargs={"info": {"description": "社区矫正监管与签到服务 API。错误统一为 "
                                             "{\"error\": {\"code\", \"message\", \"fields\"}}。"}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(health.blp)
    app.add_url_rule(f"{DOCS_ASSETS}<path:filename>", "docs_assets",
                     lambda filename: send_from_directory(swagger_ui_path, filename))
    errors.register(app)
    console.init_app(app)
    limits.init_app(app)  # wraps the views that name limits: after every blueprint
    return app
