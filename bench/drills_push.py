"""Drill 3 of bench/drills.py: the push service and the WeChat API hanging, then down, then back.

The local Web Push service of tests/fakes/push.py and the fake WeChat server of tests/fakes/wechat.py each sit
behind a loopback TCP relay whose mode the drill switches:

- `hang`: connections are accepted and never answered (a service that stalls past the client's timeout);
- `refuse`: connections are accepted and closed at once (a service that is down);
- `forward`: bytes relayed both ways to the fake (which checks what the real service would).

The subscription endpoints name the relay, so the push fake is told its origin is the relay's (the VAPID `aud`).
An app built here (production configuration, WeChat's API base the relay, a template for alerts) puts alert
messages in the inboxes of the county officer (one browser) and a supervisee (bound, with subscribe credits).
"""

import socket
import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from checkins_wsgi import bench_overrides
from correction import clock
from correction.components import components
from correction.db import db
from correction.models import Delivery, Notification, PushSubscription, SuperviseeAccount, User, WechatConsent
from correction.services.deliveries import deliver_pending
from correction.services.dispatch import dispatcher
from correction.services.notify import notify
from mobile_api import create_app
from tests.fakes.push import FakePushService
from tests.fakes.wechat import FakeWeChat

TEMPLATE = "drill-alert-template"


class RelayedPushService(FakePushService):
    """The fake push service as seen through `relay`: its endpoints and VAPID audience are the relay's origin."""

    def __init__(self, relay: "Relay"):
        super().__init__()
        self.relay = relay

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.relay.port}"

    @property
    def port(self) -> int:
        """Where the fake itself listens (the relay forwards here)."""
        return self._server.server_address[1]


class Relay:
    """A loopback TCP relay to `target_port` in one of three modes (see the module docstring)."""

    def __init__(self):
        self.mode, self.target_port = "refuse", None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, name="drill-relay", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "refuse":
                client.close()
            elif self.mode == "hang":
                self._held.append(client)
            else:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def release(self) -> None:
        """Close the connections held in `hang` mode."""
        for held in self._held:
            held.close()
        self._held.clear()

    def close(self) -> None:
        self.release()
        self._listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _statuses(ids: list[int]) -> dict[str, int]:
    rows = db.session.execute(sa.select(Delivery.channel, Delivery.status, sa.func.count()).where(Delivery.id.in_(ids))
                              .group_by(Delivery.channel, Delivery.status)
                              .execution_options(populate_existing=True)).all()
    return {f"{channel}:{status}": count for channel, status, count in rows}


def _recipients(wechat: FakeWeChat, browser) -> list[int]:
    """The county officer with the browser's subscription; a bound supervisee with credits (openid known)."""
    officer = db.session.scalar(sa.select(User).where(User.username == "county"))
    account = db.session.scalars(sa.select(SuperviseeAccount).order_by(SuperviseeAccount.id)).first()
    keys = browser.subscription["keys"]
    db.session.add_all([
        PushSubscription(user_id=officer.id, endpoint=browser.endpoint, p256dh=keys["p256dh"], auth=keys["auth"],
                         created_at=clock.now()),
        WechatConsent(user_id=account.user_id, template_id=TEMPLATE, credits=100, updated_at=clock.now())])
    db.session.commit()
    with wechat.lock:
        wechat.state.openids.add(account.wx_openid)
    return [officer.id, account.user_id]


def drill_push(ctx: dict, args) -> dict:
    """Alert messages while both services hang: committed at once, attempts bounded by the clients' timeouts; a
    retry pass while they are down leaves them pending; the pass after they are back sends every one."""
    push_relay, wechat_relay = Relay(), Relay()
    push = RelayedPushService(push_relay).start()
    wechat = FakeWeChat(appid=ctx["wechat_appid"], secret=ctx["wechat_secret"]).start()
    push_relay.target_port, wechat_relay.target_port = push.port, int(wechat.base_url.rsplit(":", 1)[1])
    relays = (push_relay, wechat_relay)
    app = create_app(overrides={**bench_overrides(), "WECHAT_API_BASE": f"http://127.0.0.1:{wechat_relay.port}",
                                "WECHAT_TEMPLATES": {"alert": TEMPLATE}})
    try:
        with app.app_context():
            timeouts = {"webpush": components().webpush.timeout, "wechat": components().wechat.timeout}
            users = _recipients(wechat, push.browser("drill-officer"))
            for relay in relays:
                relay.mode = "hang"
            started = time.monotonic()
            created = [n.id for i in range(args.messages) for n in notify(
                users, kind="alert", title=f"演练告警 {i}", body="推送服务无响应时的告警", as_of=clock.now(),
                dedupe_key=f"drill:{ctx['id']}:{i}")]
            commit_ms = (time.monotonic() - started) * 1000
            dispatcher(app).join()
            attempts_s = time.monotonic() - started
            ids = list(db.session.scalars(sa.select(Delivery.id).where(Delivery.notification_id.in_(created))))
            hung = _statuses(ids)
            for relay in relays:
                relay.mode = "refuse"
                relay.release()
            down_at = clock.now() + timedelta(hours=1)
            down = deliver_pending(down_at)
            for relay in relays:
                relay.mode = "forward"
            back = deliver_pending(down_at + timedelta(days=1))
            final = _statuses(ids)
            stored = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                       .where(Notification.id.in_(created)))
            db.session.remove()
    finally:
        push.stop()
        wechat.stop()
        for relay in relays:
            relay.close()
    received = {"webpush": sum(1 for r in push.received if r.payload and r.payload.get("id") in created),
                "wechat": len(wechat.state.sent)}
    # Each attempt's call ends within its timeout; WeChat attempts on two threads also wait for each other, since the
    # client fetches its access token under a lock, so the bound is every attempt one after the other.
    bound = max(timeouts.values()) * len(ids) + 2
    return {"messages": len(created), "deliveries": len(ids), "stored": stored, "timeouts_s": timeouts,
            "commit_ms": round(commit_ms, 1), "hung_attempts_s": round(attempts_s, 1), "attempts_bound_s": bound,
            "after_hang": hung, "down_pass": down, "back_pass": back, "final": final, "received": received,
            "ok": stored == len(created) and sum(received.values()) == len(ids)
            and set(final) <= {"webpush:sent", "wechat:sent"} and commit_ms < 1000 and attempts_s <= bound}
