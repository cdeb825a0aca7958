"""Customer messages: rendering, opt-out, quiet hours, idempotency, channels, retries, owner pages."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from apps.customers.models import CustomerPhone
from apps.orders.models import (
    FailReason,
    Notification,
    NotificationEvent,
    NotificationStatus,
    NotificationTemplate,
    Order,
    OrderSettings,
)
from apps.orders.notifications import signing, transport
from apps.orders.notifications.quiet_hours import quiet_until
from apps.orders.services import notifications as services
from apps.orders.services.lifecycle import order_assign, order_fail
from apps.orders.services.settlement import order_deliver
from apps.org.models import Role
from tests.factories import StaffFactory
from tests.orders.conftest import OrderWorld

PHONE = "13812345678"
COURIER_MOBILE = "13977776666"


@dataclass
class FakeTransport:
    """Stands in for the network: records every POST and answers from a list."""

    replies: list[transport.HttpReply] = field(
        default_factory=lambda: [transport.HttpReply(200, '{"errcode": 0, "errmsg": "ok"}')]
    )
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self, url: str, *, body: bytes, headers: dict[str, str], timeout: float
    ) -> transport.HttpReply:
        self.calls.append({"url": url, "body": body, "headers": headers, "timeout": timeout})
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> FakeTransport:
    fake = FakeTransport()
    monkeypatch.setattr(transport, "http_post", fake)
    return fake


@pytest.fixture
def mw(ow: OrderWorld) -> OrderWorld:
    """The order world with a phone for the customer, a courier mobile and no quiet hours."""
    CustomerPhone.objects.create(
        company=ow.company, customer=ow.customer, number=PHONE, is_primary=True
    )
    ow.courier.user.mobile = COURIER_MOBILE
    ow.courier.user.first_name = "王小明"
    ow.courier.user.save()
    services.quiet_hours_set(company=ow.company, start=time(0), end=time(0))
    return ow


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``action`` and then what it queued for after commit (the jobs run inline)."""

    def run(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def messages_of(order: Order, event: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(order=order).order_by("pk")
    return list(rows.filter(event=event) if event else rows)


def later_window(hours: int = 4) -> dict[str, datetime]:
    start = timezone.now() + timedelta(hours=hours)
    return {"window_start": start, "window_end": start + timedelta(hours=2)}


def quiet_now(company: Any) -> datetime:
    """Make the quiet hours run from an hour ago to an hour from now; return when they end."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    end = now + timedelta(hours=1)
    services.quiet_hours_set(
        company=company, start=(now - timedelta(hours=1)).time(), end=end.time()
    )
    return end


# Rendering -------------------------------------------------------------------------------


def use_aliyun(settings: Any, templates: dict[str, str] | None = None) -> None:
    settings.NOTIFICATION_CHANNEL = "aliyun_sms"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "LTAI-test"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "secret"
    settings.ALIYUN_SMS_SIGN_NAME = "送达水站"
    settings.ALIYUN_SMS_TEMPLATES = templates or {}


def use_tencent(settings: Any) -> None:
    settings.NOTIFICATION_CHANNEL = "tencent_sms"
    settings.TENCENT_SMS_SECRET_ID = "AKIDtest"
    settings.TENCENT_SMS_SECRET_KEY = "key"
    settings.TENCENT_SMS_APP_ID = "1400000000"
    settings.TENCENT_SMS_SIGN_NAME = "送达水站"
    settings.TENCENT_SMS_TEMPLATES = {"received": "123456"}


def test_a_received_order_is_told_in_chinese_with_the_tracking_link(
    mw: OrderWorld, commit: Callable[..., Any], settings: Any
) -> None:
    settings.SITE_URL = "https://songda.example.com/"
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.event == NotificationEvent.RECEIVED
    assert message.language == "zh-hans"
    assert message.recipient == PHONE
    assert "已收到" in message.text
    assert order.number in message.text
    assert "18.9L 桶装水 × 2" in message.text
    assert f"https://songda.example.com/t/{order.tracking_token}/" in message.text
    assert message.status == NotificationStatus.SENT
    assert message.attempts == 1


def test_an_english_speaking_customer_gets_english(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    mw.customer.language = "en"
    mw.customer.save()
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.language == "en"
    assert message.text.startswith(f"{mw.company.name}: we have received your order {order.number}")


def test_an_assigned_message_names_the_courier_with_a_masked_phone(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    order = commit(mw.order)
    commit(order_assign, order=order, courier=mw.courier, actor=mw.dispatcher)
    [message] = messages_of(order, NotificationEvent.ASSIGNED)
    assert "王师傅" in message.text
    assert "139****6666" in message.text
    assert COURIER_MOBILE not in message.text
    assert "小明" not in message.text


def test_the_delivered_message_tells_quantities_and_the_amount(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    order = mw.out_for_delivery(mw.order(quantity=3))
    line = order.lines.get()
    commit(order_deliver, order=order, actor=mw.dispatcher, delivered={line.pk: 2})
    [message] = messages_of(order, NotificationEvent.DELIVERED)
    assert "18.9L 桶装水 × 2" in message.text
    # Two buckets at ¥12 and, for a new customer, ¥30 deposit on each bucket left there.
    assert "金额：¥84.00（现金）" in message.text


def test_the_failed_message_gives_the_reason_and_what_happens_next(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    mw.customer.language = "en"
    mw.customer.save()
    order = mw.out_for_delivery()
    commit(order_fail, order=order, reason=FailReason.NOT_HOME, actor=mw.dispatcher)
    [message] = messages_of(order, NotificationEvent.FAILED)
    assert f"we could not deliver your order {order.number}: nobody was home." in message.text
    assert "We will call you to arrange a new delivery time." in message.text
    assert message.urgent


def test_the_companys_own_text_replaces_the_built_in_one(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    services.notification_template_save(
        company=mw.company,
        event=NotificationEvent.RECEIVED,
        language="zh-hans",
        text="{customer}您好，订单{order}收到啦，{{欢迎}}再来",
    )
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.text == f"张三您好，订单{order.number}收到啦，{{欢迎}}再来"


def test_a_stored_text_that_no_longer_works_falls_back_to_the_built_in_one(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    NotificationTemplate.objects.create(
        company=mw.company, event=NotificationEvent.RECEIVED, language="zh-hans", text="{oops"
    )
    order = commit(mw.order)
    [message] = messages_of(order)
    assert "已收到" in message.text
    assert message.status == NotificationStatus.SENT


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("订单{order", "The braces do not match"),
        ("订单{order.customer.phones}", "Unknown placeholder {order.customer.phones}"),
        ("{order!r}", "Unknown placeholder {order!r}"),
        ("{total}", "Unknown placeholder {total}"),
        ("   ", "Write the message."),
        ("x" * 501, "under 500 characters"),
    ],
)
def test_a_bad_text_is_refused_with_a_clear_message(
    mw: OrderWorld, text: str, complaint: str
) -> None:
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            services.notification_template_save(
                company=mw.company, event=NotificationEvent.RECEIVED, language="en", text=text
            )
        assert complaint in " ".join(refused.value.messages)
    assert not NotificationTemplate.objects.filter(company=mw.company).exists()


# Who gets a message ----------------------------------------------------------------------


def test_a_customer_who_opted_out_gets_a_skipped_row_with_the_reason(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://hooks.example.com/robot"
    mw.customer.accepts_messages = False
    mw.customer.save()
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.status == NotificationStatus.SKIPPED
    assert message.last_error == "客户不希望接收订单消息。"
    assert message.attempts == 0
    assert network.calls == []


def test_a_customer_without_a_phone_is_skipped(ow: OrderWorld, commit: Callable[..., Any]) -> None:
    order = commit(ow.order)
    [message] = messages_of(order)
    assert message.status == NotificationStatus.SKIPPED
    assert message.recipient == ""
    assert message.last_error == "客户没有电话号码。"
    assert "已收到" in message.text  # the outbox shows what the customer would have read


def test_a_mobile_is_preferred_over_a_primary_landline(
    ow: OrderWorld, commit: Callable[..., Any]
) -> None:
    CustomerPhone.objects.create(
        company=ow.company, customer=ow.customer, number="057188886666", is_primary=True
    )
    CustomerPhone.objects.create(company=ow.company, customer=ow.customer, number=PHONE)
    order = commit(ow.order)
    assert messages_of(order)[0].recipient == PHONE


def test_history_older_than_a_day_is_not_told(mw: OrderWorld, commit: Callable[..., Any]) -> None:
    taken = timezone.now() - timedelta(days=3)
    order = commit(
        mw.order, taken_at=taken, window_start=taken, window_end=taken + timedelta(hours=2)
    )
    [message] = messages_of(order)
    assert message.status == NotificationStatus.SKIPPED


# Quiet hours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "start", "end", "expected"),
    [
        ("22:30", "21:00", "08:00", "tomorrow 08:00"),
        ("06:10", "21:00", "08:00", "today 08:00"),
        ("08:00", "21:00", "08:00", None),
        ("12:00", "21:00", "08:00", None),
        ("21:00", "21:00", "08:00", "tomorrow 08:00"),
        ("13:00", "12:00", "14:00", "today 14:00"),
        ("14:00", "12:00", "14:00", None),
        ("03:00", "00:00", "00:00", None),
    ],
)
def test_quiet_hours_end_at_the_next_end_time(
    clock: str, start: str, end: str, expected: str | None
) -> None:
    day = datetime(2026, 3, 5)
    moment = timezone.make_aware(datetime.combine(day, time.fromisoformat(clock)))
    result = quiet_until(moment, start=time.fromisoformat(start), end=time.fromisoformat(end))
    if expected is None:
        assert result is None
    else:
        which, hhmm = expected.split()
        date = day + timedelta(days=1 if which == "tomorrow" else 0)
        assert result == timezone.make_aware(datetime.combine(date, time.fromisoformat(hhmm)))


def test_a_message_in_quiet_hours_waits_until_they_end(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://hooks.example.com/robot"
    end = quiet_now(mw.company)
    order = commit(mw.order, **later_window())
    [message] = messages_of(order)
    assert message.status == NotificationStatus.PENDING
    assert not message.urgent
    assert message.send_after == end
    assert network.calls == []
    assert commit(services.notifications_send_due) == 0
    assert commit(services.notifications_send_due, now=end + timedelta(seconds=5)) == 1
    message.refresh_from_db()
    assert message.status == NotificationStatus.SENT
    assert len(network.calls) == 1


def test_a_waiting_message_is_written_when_it_leaves(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://hooks.example.com/robot"
    end = quiet_now(mw.company)
    order = commit(mw.order, **later_window())
    [message] = messages_of(order)
    assert message.text == ""
    outbox = mw.team.client_for(Role.OWNER).get(reverse("orders:message_list")).content.decode()
    assert "发送时生成内容" in outbox
    commit(services.notifications_send_due, now=end + timedelta(seconds=5))
    message.refresh_from_db()
    assert message.status == NotificationStatus.SENT
    assert "已收到" in message.text
    assert order.number in message.text
    [call] = network.calls
    assert json.loads(call["body"])["text"]["content"] == f"{PHONE}\n{message.text}"


def test_a_courier_on_the_way_is_told_even_in_quiet_hours(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    quiet_now(mw.company)
    order = commit(mw.order, **later_window())
    commit(mw.out_for_delivery, order)
    assigned = messages_of(order, NotificationEvent.ASSIGNED)[0]
    on_the_way = messages_of(order, NotificationEvent.OUT_FOR_DELIVERY)[0]
    assert assigned.status == NotificationStatus.PENDING
    assert on_the_way.urgent
    assert on_the_way.status == NotificationStatus.SENT


def test_an_order_due_during_quiet_hours_is_told_at_once(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    quiet_now(mw.company)
    order = commit(mw.order)  # due within the next two hours
    [message] = messages_of(order)
    assert message.urgent
    assert message.status == NotificationStatus.SENT


def test_a_company_without_settings_keeps_quiet_from_nine_to_eight(ow: OrderWorld) -> None:
    OrderSettings.objects.filter(company=ow.company).delete()
    row = services.order_settings_for(ow.company)
    assert (row.quiet_hours_start, row.quiet_hours_end) == (time(21), time(8))


# Idempotency -----------------------------------------------------------------------------


def test_enqueueing_the_same_event_twice_writes_one_row(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    order = commit(mw.order)
    event = order.events.get()
    again = services.notifications_enqueue(
        order=order, event=NotificationEvent.RECEIVED, order_event=event
    )
    assert again.pk == messages_of(order)[0].pk
    assert again.key == f"order:{order.pk}:received:{event.pk}"
    assert Notification.objects.filter(order=order).count() == 1


def test_an_order_assigned_twice_gets_two_messages(
    mw: OrderWorld, commit: Callable[..., Any]
) -> None:
    other = StaffFactory(company=mw.company, role=Role.COURIER, home_depot=mw.depot)
    order = commit(mw.order)
    commit(order_assign, order=order, courier=mw.courier, actor=mw.dispatcher)
    commit(order_assign, order=order, courier=other, actor=mw.dispatcher)
    first, second = messages_of(order, NotificationEvent.ASSIGNED)
    assert first.key != second.key
    assert "王师傅" in first.text
    assert "王师傅" not in second.text


def test_the_sweep_hands_a_message_to_one_job_only(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://hooks.example.com/robot"
    end = quiet_now(mw.company)
    order = commit(mw.order, **later_window())
    assert services.notifications_send_due(now=end + timedelta(seconds=1)) == 1
    assert services.notifications_send_due(now=end + timedelta(seconds=2)) == 0
    [message] = messages_of(order)
    dispatched = message.send_after
    assert services.notification_deliver(notification_id=message.pk) == ""
    assert services.notification_deliver(notification_id=message.pk, dispatched=dispatched) == (
        NotificationStatus.SENT
    )
    assert services.notification_deliver(notification_id=message.pk, dispatched=dispatched) == ""
    assert len(network.calls) == 1


# Retries ---------------------------------------------------------------------------------


def test_a_failing_channel_is_retried_with_backoff_and_then_given_up(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://hooks.example.com/robot"
    settings.NOTIFICATION_MAX_ATTEMPTS = 4
    network.replies = [transport.HttpReply(502, "bad gateway")]
    order = commit(mw.order)
    [message] = messages_of(order)
    delays = []
    for attempt in range(1, 5):
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_error == "HTTP 502: bad gateway"
        if attempt < 4:
            assert message.status == NotificationStatus.PENDING
            delays.append(round((message.send_after - timezone.now()).total_seconds() / 60))
            Notification.objects.filter(pk=message.pk).update(send_after=timezone.now())
            services.notification_deliver(notification_id=message.pk)
    assert delays == [1, 5, 15]
    assert message.status == NotificationStatus.FAILED
    assert len(network.calls) == 4


def test_a_channel_that_cannot_be_reached_counts_as_an_attempt(
    mw: OrderWorld, commit: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://hooks.example.com/robot"

    def refuse(*args: Any, **kwargs: Any) -> transport.HttpReply:
        raise transport.TransportError("Connection refused")

    monkeypatch.setattr(transport, "http_post", refuse)
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.status == NotificationStatus.PENDING
    assert message.attempts == 1
    assert "hooks.example.com" in message.last_error
    assert "Connection refused" in message.last_error


def test_an_error_no_retry_can_fix_fails_at_once(
    ow: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    use_aliyun(settings)
    CustomerPhone.objects.create(
        company=ow.company, customer=ow.customer, number="057188886666", is_primary=True
    )
    order = commit(ow.order)
    [message] = messages_of(order)
    assert message.status == NotificationStatus.FAILED
    assert message.attempts == 1
    assert "not a mobile number" in message.last_error or "不是手机号" in message.last_error
    assert network.calls == []


def test_a_failed_message_can_be_sent_again(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://hooks.example.com/robot"
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    network.replies = [transport.HttpReply(500, "down"), transport.HttpReply(200, '{"errcode":0}')]
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.status == NotificationStatus.FAILED
    commit(services.notification_retry, notification=message)
    message.refresh_from_db()
    assert message.status == NotificationStatus.SENT
    assert message.last_error == ""
    with pytest.raises(ValidationError):
        services.notification_retry(notification=message)


# Channels --------------------------------------------------------------------------------


def test_the_log_channel_is_the_default_and_writes_the_text_to_the_log(
    mw: OrderWorld, commit: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="apps.orders.notifications"):
        order = commit(mw.order)
    [message] = messages_of(order)
    assert message.channel == "log"
    assert message.status == NotificationStatus.SENT
    assert message.sent_at is not None
    assert message.text in caplog.text
    assert "138****5678" in caplog.text
    assert PHONE not in caplog.text


def test_the_webhook_posts_a_group_robot_message(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    order = commit(mw.order)
    [message] = messages_of(order)
    [call] = network.calls
    assert call["url"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    assert call["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(call["body"]) == {
        "msgtype": "text",
        "text": {"content": f"{PHONE}\n{message.text}"},
    }
    assert message.channel == "webhook"
    assert message.status == NotificationStatus.SENT


def test_a_robot_that_refuses_the_message_is_an_error(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://oapi.dingtalk.com/robot/send?access_token=t"
    network.replies = [transport.HttpReply(200, '{"errcode": 310000, "errmsg": "keywords"}')]
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.status == NotificationStatus.PENDING
    assert message.last_error == "310000: keywords"


def test_the_webhook_posts_to_an_sms_gateway_with_a_token(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://sms.example.com/send"
    settings.NOTIFICATION_WEBHOOK_FORMAT = "gateway"
    settings.NOTIFICATION_WEBHOOK_TOKEN = "s3cret"
    network.replies = [transport.HttpReply(202, "")]
    order = commit(mw.order)
    [message] = messages_of(order)
    [call] = network.calls
    assert call["headers"]["Authorization"] == "Bearer s3cret"
    assert json.loads(call["body"]) == {
        "to": PHONE,
        "text": message.text,
        "event": "received",
        "key": message.key,
    }
    assert message.status == NotificationStatus.SENT


def test_aliyun_sms_posts_a_signed_send_sms_request(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    use_aliyun(settings, templates={"received": "SMS_100001"})
    network.replies = [transport.HttpReply(200, '{"Code": "OK", "Message": "OK"}')]
    order = commit(mw.order)
    [message] = messages_of(order)
    [call] = network.calls
    assert call["url"] == "https://dysmsapi.aliyuncs.com/"
    params = dict(parse_qsl(call["body"].decode()))
    assert params["Action"] == "SendSms"
    assert params["PhoneNumbers"] == PHONE
    assert params["SignName"] == "送达水站"
    assert params["TemplateCode"] == "SMS_100001"
    template_params = json.loads(params["TemplateParam"])
    assert list(template_params) == ["order", "window", "link"]
    assert template_params["order"] == order.number
    signature = params.pop("Signature")
    assert signature == signing.aliyun_signature(method="POST", params=params, secret="secret")
    assert message.status == NotificationStatus.SENT


def test_aliyun_without_a_template_for_the_event_keeps_the_message_waiting(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    use_aliyun(settings)
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.status == NotificationStatus.PENDING
    assert "ALIYUN_SMS_TEMPLATES" in message.last_error
    assert network.calls == []


def test_tencent_sms_posts_a_tc3_signed_request(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    use_tencent(settings)
    network.replies = [
        transport.HttpReply(200, '{"Response": {"SendStatusSet": [{"Code": "Ok"}]}}')
    ]
    order = commit(mw.order)
    [message] = messages_of(order)
    [call] = network.calls
    headers = call["headers"]
    assert call["url"] == "https://sms.tencentcloudapi.com/"
    assert headers["X-TC-Action"] == "SendSms"
    assert headers["X-TC-Version"] == "2021-01-11"
    request = signing.Tc3Request(
        host="sms.tencentcloudapi.com",
        service="sms",
        payload=call["body"].decode(),
        timestamp=int(headers["X-TC-Timestamp"]),
    )
    assert headers["Authorization"] == signing.tc3_authorization(
        request, secret_id="AKIDtest", secret_key="key"
    )
    body = json.loads(call["body"])
    assert body["PhoneNumberSet"] == [f"+86{PHONE}"]
    assert body["TemplateId"] == "123456"
    assert body["TemplateParamSet"][0] == order.number
    assert message.status == NotificationStatus.SENT


def test_a_tencent_error_is_kept_on_the_message(
    mw: OrderWorld, commit: Callable[..., Any], network: FakeTransport, settings: Any
) -> None:
    use_tencent(settings)
    network.replies = [
        transport.HttpReply(
            200,
            '{"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}}}',
        )
    ]
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.status == NotificationStatus.PENDING
    assert message.last_error == "AuthFailure.SignatureFailure: bad"


def test_an_unknown_channel_fails_the_message(
    mw: OrderWorld, commit: Callable[..., Any], settings: Any
) -> None:
    settings.NOTIFICATION_CHANNEL = "carrier_pigeon"
    order = commit(mw.order)
    [message] = messages_of(order)
    assert message.channel == "carrier_pigeon"
    assert message.status == NotificationStatus.FAILED
    assert order.number in message.text  # written before the channel was looked up


# Owner pages -----------------------------------------------------------------------------


@pytest.fixture
def owner(mw: OrderWorld) -> Any:
    return mw.team.client_for(Role.OWNER)


def test_the_texts_page_shows_the_built_in_texts_in_both_languages(
    mw: OrderWorld, owner: Any
) -> None:
    body = owner.get(reverse("orders:template_list")).content.decode()
    assert "{company}：您的订单{order}（{products}）已收到" in body
    assert "{company}: we have received your order {order}" in body
    assert reverse("orders:template_edit", args=["failed", "en"]) in body
    assert "仅写入服务器日志（不会发给客户）" in body


def test_the_owner_previews_and_saves_a_text(mw: OrderWorld, owner: Any) -> None:
    url = reverse("orders:template_edit", args=["received", "zh-hans"])
    page = owner.get(url).content.decode()
    assert "D0000123" in page  # the preview of the built-in text with a sample order
    preview = owner.post(url, {"text": "{customer}，订单{order}已收到", "action": "preview"})
    assert "张三，订单D0000123已收到" in preview.content.decode()
    assert not NotificationTemplate.objects.filter(company=mw.company).exists()
    saved = owner.post(url, {"text": "{customer}，订单{order}已收到", "action": "save"})
    assert saved.status_code == 302
    template = NotificationTemplate.objects.get(company=mw.company)
    assert (template.event, template.language, template.text) == (
        "received",
        "zh-hans",
        "{customer}，订单{order}已收到",
    )
    owner.post(url, {"action": "reset"})
    assert not NotificationTemplate.objects.filter(company=mw.company).exists()


def test_a_bad_text_gets_a_translated_error_and_is_not_saved(mw: OrderWorld, owner: Any) -> None:
    url = reverse("orders:template_edit", args=["received", "zh-hans"])
    response = owner.post(url, {"text": "订单{号码}", "action": "save"})
    assert response.status_code == 200
    assert "未知的占位符 {号码}" in response.content.decode()
    assert not NotificationTemplate.objects.filter(company=mw.company).exists()


def test_an_unknown_event_or_language_is_a_404(owner: Any) -> None:
    assert owner.get(reverse("orders:template_edit", args=["lost", "en"])).status_code == 404
    assert owner.get(reverse("orders:template_edit", args=["received", "fr"])).status_code == 404


def test_the_outbox_filters_and_retries_failed_messages(
    mw: OrderWorld, owner: Any, commit: Callable[..., Any], settings: Any
) -> None:
    first = commit(mw.order)
    settings.NOTIFICATION_CHANNEL = "carrier_pigeon"
    second = commit(mw.order)
    failed = messages_of(second)[0]
    page = owner.get(reverse("orders:message_list"), {"status": "failed"}).content.decode()
    assert second.number in page
    assert first.number not in page
    assert reverse("orders:message_retry", args=[failed.pk]) in page
    settings.NOTIFICATION_CHANNEL = "log"
    Notification.objects.filter(pk=failed.pk).update(channel="log")
    response = commit(owner.post, reverse("orders:message_retry", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.SENT


def test_the_owner_sets_the_quiet_hours(mw: OrderWorld, owner: Any) -> None:
    url = reverse("orders:order_settings")
    response = owner.post(url, {"quiet_hours_start": "22:00", "quiet_hours_end": "07:30"})
    assert response.status_code == 302
    row = OrderSettings.objects.get(company=mw.company)
    assert (row.quiet_hours_start, row.quiet_hours_end) == (time(22), time(7, 30))
    bad = owner.post(url, {"quiet_hours_start": "25:00", "quiet_hours_end": "07:30"})
    assert bad.status_code == 200
    row.refresh_from_db()
    assert row.quiet_hours_start == time(22)


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ACCOUNTANT, Role.COURIER])
def test_only_the_owner_opens_the_message_pages(mw: OrderWorld, role: str) -> None:
    client = mw.team.client_for(role)
    for name in ("template_list", "message_list", "order_settings"):
        assert client.get(reverse(f"orders:{name}")).status_code == 403


def test_the_company_page_links_to_the_message_pages(owner: Any) -> None:
    body = owner.get(reverse("org:settings")).content.decode()
    assert reverse("orders:template_list") in body
