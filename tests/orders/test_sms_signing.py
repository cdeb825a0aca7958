"""Request signing of both SMS providers, checked against the worked examples in their docs.

Aliyun: "RPC signature" (ECS DescribeRegions, AccessKeyId testid / secret
testsecret) and the SMS "HTTP protocol and signature" page (SendSms, testId /
testSecret, a Chinese sign name). Tencent Cloud: "Signature v3" (CVM
DescribeInstances, SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE, timestamp
1551113065). Every expected value below is copied from those pages.
"""

from __future__ import annotations

from apps.orders.notifications import signing

ECS_EXAMPLE = {
    "Timestamp": "2016-02-23T12:46:24Z",
    "Format": "XML",
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26",
    "SignatureVersion": "1.0",
}

SMS_EXAMPLE = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}

TENCENT_EXAMPLE = signing.Tc3Request(
    host="cvm.tencentcloudapi.com",
    service="cvm",
    payload='{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
    timestamp=1551113065,
)


def test_aliyun_string_to_sign_matches_the_rpc_example() -> None:
    assert signing.aliyun_string_to_sign("GET", ECS_EXAMPLE) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z"
        "%26Version%3D2014-05-26"
    )


def test_aliyun_signature_matches_the_rpc_example() -> None:
    signature = signing.aliyun_signature(method="GET", params=ECS_EXAMPLE, secret="testsecret")
    assert signature == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_signature_matches_the_sms_example_with_a_chinese_sign_name() -> None:
    assert signing.aliyun_string_to_sign("GET", SMS_EXAMPLE) == (
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
        "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D"
        "%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1"
        "%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466"
        "%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007"
        "%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D"
        "%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
    )
    signature = signing.aliyun_signature(method="GET", params=SMS_EXAMPLE, secret="testSecret")
    assert signature == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_leaves_an_existing_signature_out_of_the_signed_string() -> None:
    signed = {**ECS_EXAMPLE, "Signature": "anything"}
    assert signing.aliyun_signature(method="GET", params=signed, secret="testsecret") == (
        "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    )


def test_aliyun_signs_the_http_method_it_is_given() -> None:
    get = signing.aliyun_signature(method="GET", params=ECS_EXAMPLE, secret="testsecret")
    post = signing.aliyun_signature(method="POST", params=ECS_EXAMPLE, secret="testsecret")
    assert post != get
    assert signing.aliyun_string_to_sign("post", ECS_EXAMPLE).startswith("POST&%2F&")


def test_percent_encoding_follows_rfc_3986_as_aliyun_wants() -> None:
    assert signing.percent_encode("a b*c~d") == "a%20b%2Ac~d"
    assert signing.percent_encode("/=&+") == "%2F%3D%26%2B"
    assert signing.percent_encode("-_.~") == "-_.~"
    assert signing.percent_encode("送") == "%E9%80%81"


def test_tencent_canonical_request_matches_the_example() -> None:
    assert signing.tc3_canonical_request(TENCENT_EXAMPLE) == (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n"
        "\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )


def test_tencent_string_to_sign_matches_the_example() -> None:
    assert signing.tc3_string_to_sign(TENCENT_EXAMPLE) == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )


def test_tencent_signature_and_authorization_match_the_example() -> None:
    secret_key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
    assert signing.tc3_signature(TENCENT_EXAMPLE, secret_key=secret_key) == (
        "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )
    authorization = signing.tc3_authorization(
        TENCENT_EXAMPLE, secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secret_key=secret_key
    )
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_tencent_credential_date_is_the_utc_date_not_beijing_time() -> None:
    # 1551113065 is 2019-02-26 00:44:25 in Beijing but still the 25th in UTC.
    assert TENCENT_EXAMPLE.date == "2019-02-25"
    assert TENCENT_EXAMPLE.credential_scope == "2019-02-25/cvm/tc3_request"
