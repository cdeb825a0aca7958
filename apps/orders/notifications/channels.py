"""How a message reaches the customer, chosen by ``settings.NOTIFICATION_CHANNEL``.

Every channel takes an :class:`OutgoingMessage` and either returns (sent) or
raises :class:`ChannelError` (the job retries later unless the error is
permanent). Chinese SMS providers only send pre-approved templates, so the SMS
channels send the template code configured for the event with the message's
parameters (see ``SMS_PARAMETERS``); the rendered text stays in the outbox.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.phones import MOBILE_RE, mask_phone
from apps.orders.notifications import signing, transport

logger = logging.getLogger("apps.orders.notifications")

CHANNEL_LABELS = {
    "log": gettext_lazy("the server log only (nothing reaches customers)"),
    "webhook": gettext_lazy("webhook"),
    "aliyun_sms": gettext_lazy("Aliyun SMS"),
    "tencent_sms": gettext_lazy("Tencent Cloud SMS"),
}


@dataclass(frozen=True)
class OutgoingMessage:
    key: str
    recipient: str
    event: str
    text: str
    params: Mapping[str, str] = field(default_factory=dict)


class ChannelError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> None: ...


def _post(url: str, *, body: bytes, headers: Mapping[str, str]) -> transport.HttpReply:
    try:
        return transport.http_post(
            url, body=body, headers=headers, timeout=settings.NOTIFICATION_HTTP_TIMEOUT
        )
    except transport.TransportError as error:
        raise ChannelError(
            _("No answer from %(host)s: %(error)s")
            % {
                "host": urlsplit(url).netloc,
                "error": error,
            }
        ) from error


def _json(reply: transport.HttpReply) -> dict[str, Any]:
    try:
        data = json.loads(reply.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ChannelError(
            _("Unexpected answer (HTTP %(status)s): %(body)s")
            % {
                "status": reply.status,
                "body": reply.body[:200],
            }
        )
    return data


def _require(**values: str) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ChannelError(_("Not configured: %(settings)s") % {"settings": ", ".join(missing)})


def _mobile(recipient: str) -> str:
    if not MOBILE_RE.match(recipient):
        raise ChannelError(
            _("%(phone)s is not a mobile number; text messages need one.")
            % {"phone": mask_phone(recipient)},
            permanent=True,
        )
    return recipient


def _template(templates: Mapping[str, str], event: str, setting: str) -> str:
    code = templates.get(event, "")
    if not code:
        raise ChannelError(
            _("No approved SMS template is set for “%(event)s” (%(setting)s).")
            % {"event": event, "setting": setting}
        )
    return code


class LogChannel:
    """Writes the message to the log and counts it as sent (the zero-setup default)."""

    name = "log"

    def send(self, message: OutgoingMessage) -> None:
        logger.info(
            "Message %s to %s: %s", message.key, mask_phone(message.recipient), message.text
        )


class WebhookChannel:
    """POST JSON: a WeCom/DingTalk group robot ("robot") or an SMS gateway ("gateway")."""

    name = "webhook"

    def send(self, message: OutgoingMessage) -> None:
        url = settings.NOTIFICATION_WEBHOOK_URL
        _require(NOTIFICATION_WEBHOOK_URL=url)
        robot = settings.NOTIFICATION_WEBHOOK_FORMAT == "robot"
        payload = self.payload(message, robot=robot)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if settings.NOTIFICATION_WEBHOOK_TOKEN:
            headers["Authorization"] = f"Bearer {settings.NOTIFICATION_WEBHOOK_TOKEN}"
        reply = _post(url, body=json.dumps(payload, ensure_ascii=False).encode(), headers=headers)
        if not reply.ok:
            raise ChannelError(f"HTTP {reply.status}: {reply.body[:200]}")
        if robot:
            # Both robots answer 200 with {"errcode": 0, "errmsg": "ok"} when they posted.
            data = _json(reply)
            if data.get("errcode", 0) != 0:
                raise ChannelError(f"{data.get('errcode')}: {data.get('errmsg', '')}"[:300])

    @staticmethod
    def payload(message: OutgoingMessage, *, robot: bool) -> dict[str, Any]:
        if robot:
            return {"msgtype": "text", "text": {"content": f"{message.recipient}\n{message.text}"}}
        return {
            "to": message.recipient,
            "text": message.text,
            "event": message.event,
            "key": message.key,
        }


# Errors that no retry can fix (Aliyun SendSms error codes).
ALIYUN_PERMANENT = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.BLACK_KEY_CONTROL_LIMIT"}


class AliyunSmsChannel:
    """Aliyun SMS ``SendSms`` (dysmsapi 2017-05-25) over plain HTTPS with an RPC signature."""

    name = "aliyun_sms"

    def params(self, message: OutgoingMessage, *, nonce: str, timestamp: str) -> dict[str, str]:
        return {
            "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": message.key[:64],
            "PhoneNumbers": _mobile(message.recipient),
            "RegionId": "cn-hangzhou",
            "SignName": settings.ALIYUN_SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": _template(
                settings.ALIYUN_SMS_TEMPLATES, message.event, "ALIYUN_SMS_TEMPLATES"
            ),
            "TemplateParam": json.dumps(dict(message.params), ensure_ascii=False),
            "Timestamp": timestamp,
            "Version": "2017-05-25",
        }

    def send(self, message: OutgoingMessage) -> None:
        _require(
            ALIYUN_SMS_ACCESS_KEY_ID=settings.ALIYUN_SMS_ACCESS_KEY_ID,
            ALIYUN_SMS_ACCESS_KEY_SECRET=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
            ALIYUN_SMS_SIGN_NAME=settings.ALIYUN_SMS_SIGN_NAME,
        )
        params = self.params(
            message,
            nonce=str(uuid.uuid4()),
            timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        params["Signature"] = signing.aliyun_signature(
            method="POST", params=params, secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        )
        reply = _post(
            settings.ALIYUN_SMS_ENDPOINT,
            body=urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        data = _json(reply)
        code = str(data.get("Code", ""))
        if code != "OK":
            raise ChannelError(
                f"{code}: {data.get('Message', '')}"[:300], permanent=code in ALIYUN_PERMANENT
            )


TENCENT_PERMANENT_PREFIXES = ("InvalidParameterValue.IncorrectPhoneNumber",)


class TencentSmsChannel:
    """Tencent Cloud SMS ``SendSms`` (API 2021-01-11) over plain HTTPS with TC3 signing."""

    name = "tencent_sms"

    def payload(self, message: OutgoingMessage) -> dict[str, Any]:
        return {
            "PhoneNumberSet": [f"+86{_mobile(message.recipient)}"],
            "SmsSdkAppId": settings.TENCENT_SMS_APP_ID,
            "SignName": settings.TENCENT_SMS_SIGN_NAME,
            "TemplateId": _template(
                settings.TENCENT_SMS_TEMPLATES, message.event, "TENCENT_SMS_TEMPLATES"
            ),
            # Tencent templates number their variables {1}, {2}…: the order matters.
            "TemplateParamSet": list(message.params.values()),
            "SessionContext": message.key,
        }

    def headers(self, body: str, *, timestamp: int) -> dict[str, str]:
        host = urlsplit(settings.TENCENT_SMS_ENDPOINT).netloc
        request = signing.Tc3Request(host=host, service="sms", payload=body, timestamp=timestamp)
        return {
            "Authorization": signing.tc3_authorization(
                request,
                secret_id=settings.TENCENT_SMS_SECRET_ID,
                secret_key=settings.TENCENT_SMS_SECRET_KEY,
            ),
            "Content-Type": request.content_type,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": settings.TENCENT_SMS_REGION,
        }

    def send(self, message: OutgoingMessage) -> None:
        _require(
            TENCENT_SMS_SECRET_ID=settings.TENCENT_SMS_SECRET_ID,
            TENCENT_SMS_SECRET_KEY=settings.TENCENT_SMS_SECRET_KEY,
            TENCENT_SMS_APP_ID=settings.TENCENT_SMS_APP_ID,
            TENCENT_SMS_SIGN_NAME=settings.TENCENT_SMS_SIGN_NAME,
        )
        body = json.dumps(self.payload(message), ensure_ascii=False)
        reply = _post(
            settings.TENCENT_SMS_ENDPOINT,
            body=body.encode(),
            headers=self.headers(body, timestamp=int(time.time())),
        )
        response = _json(reply).get("Response") or {}
        error = response.get("Error")
        statuses = response.get("SendStatusSet") or [{}]
        if error:
            code, text = str(error.get("Code", "")), str(error.get("Message", ""))
        else:
            code, text = str(statuses[0].get("Code", "")), str(statuses[0].get("Message", ""))
        if code != "Ok":
            raise ChannelError(
                f"{code}: {text}"[:300], permanent=code.startswith(TENCENT_PERMANENT_PREFIXES)
            )


_CHANNELS: dict[str, type[Channel]] = {
    "log": LogChannel,
    "webhook": WebhookChannel,
    "aliyun_sms": AliyunSmsChannel,
    "tencent_sms": TencentSmsChannel,
}


def configured_channel_name() -> str:
    return str(settings.NOTIFICATION_CHANNEL)


def channel_label(name: str) -> str:
    return str(CHANNEL_LABELS.get(name, name))


def get_channel(name: str) -> Channel:
    try:
        return _CHANNELS[name]()
    except KeyError:
        raise ChannelError(
            _("Unknown message channel “%(name)s”.") % {"name": name}, permanent=True
        ) from None
