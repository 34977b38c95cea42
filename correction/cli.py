"""Flask commands: seed-demo, create-user, unlock-user, vapid-keys, audit verify and crypto rotate-id-numbers
(`flask --app wsgi <command>`)."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from correction import clock, demo
from correction.errors import DomainError
from correction.models import Role
from correction.services import audit, key_rotation, lockout, org
from correction.webpush import generate_vapid_keys


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(unlock_user)
    app.cli.add_command(vapid_keys)
    app.cli.add_command(audit_group)
    app.cli.add_command(crypto_group)


@click.command("seed-demo")
@with_appcontext
@click.option("--seed", default=demo.DEFAULT_SEED, show_default=True, help="Random seed; same seed, same district.")
@click.option("--subjects", default=demo.DEFAULT_SUBJECTS, show_default=True, help="Subjects under correction.")
def seed_demo(seed: int, subjects: int) -> None:
    """Seed a demo district modelled on Dalian Jinpu (idempotent: existing rows are kept)."""
    if not current_app.config["DEMO_ADMIN"]:
        raise click.ClickException("seed-demo runs only in the development configuration")
    as_of = clock.now()
    plan = demo.plan_district(seed, subjects, clock.local_date(as_of))
    with click.progressbar(length=len(plan.subjects), label="矫正对象 subjects") as bar:
        summary = demo.seed(plan, as_of, progress=bar.update)
    click.echo(f"units created: {summary.units}, users created: {summary.users}, "
               f"subjects created: {summary.subjects} (of {len(plan.subjects)} planned), "
               f"investigations and resettlement people created: {summary.assistance}")
    click.echo("demo logins (password sqjz-demo for every staff account):")
    for line in demo.login_lines(plan):
        click.echo(f"  {line}")


@click.command("create-user")
@with_appcontext
@click.option("--username", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role if r != Role.supervisee]), required=True)
@click.option("--name", required=True, help="Display name, e.g. 张三")
@click.option("--unit-id", type=int, default=None)
@click.option("--phone", default=None)
@click.option("--resettlement", is_flag=True, help="Officers: also the resettlement role (安置帮教 register).")
@click.password_option()
def create_user(username: str, role: str, name: str, unit_id: int | None, phone: str | None, resettlement: bool,
                password: str) -> None:
    """Create a staff account (admin, officer or inspector)."""
    try:
        user = org.create_user(username, password, Role(role), name, unit_id=unit_id, phone=phone,
                               resettlement_officer=resettlement)
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    click.echo(f"created user {user.id} ({user.username}, {user.role})")


@click.command("unlock-user")
@with_appcontext
@click.argument("username")
def unlock_user(username: str) -> None:
    """Lift the login lockout (登录锁定) of USERNAME and reset its backoff."""
    if lockout.unlock(username):
        click.echo(f"unlocked {username}: failures and backoff cleared")
    else:
        click.echo(f"{username} had no failed logins or lock")


@click.command("vapid-keys")
def vapid_keys() -> None:
    """Print a new VAPID key pair for Web Push, as environment variables (keep the private key secret)."""
    private_key, public_key = generate_vapid_keys()
    click.echo(f"VAPID_PRIVATE_KEY={private_key}")
    click.echo(f"VAPID_PUBLIC_KEY={public_key}")


@click.group("audit")
def audit_group() -> None:
    """The audit trail (审计日志)."""


@audit_group.command("verify")
@with_appcontext
@click.option("--batch-size", default=5000, show_default=True, help="Entries read per query.")
def verify_audit(batch_size: int) -> None:
    """Walk the hash chain; exit 1 naming the first bad seq if an entry was edited, deleted or inserted."""
    with click.progressbar(length=audit.entry_count(), label="audit entries") as bar:
        result = audit.verify(batch_size, progress=bar.update)
    if result.problem:
        raise click.ClickException(f"audit trail broken at seq {result.bad_seq}: {result.problem} "
                                   f"({result.checked} entries before it are intact)")
    click.echo(f"audit trail intact: {result.checked} entries, head at seq {result.head_seq}")


@click.group("crypto")
def crypto_group() -> None:
    """Secrets at rest (ID numbers)."""


@crypto_group.command("rotate-id-numbers")
@with_appcontext
@click.option("--batch-size", default=500, show_default=True, help="Rows rewritten per transaction.")
def rotate_id_numbers(batch_size: int) -> None:
    """Re-encrypt every ID number under the first of ID_NUMBER_KEYS and recompute its digest under ID_INDEX_KEY."""
    with click.progressbar(length=key_rotation.count(), label="ID numbers") as bar:
        rotated = key_rotation.rotate_id_numbers(batch_size, progress=bar.update)
    click.echo(f"rotated {rotated} ID numbers to the newest key")
