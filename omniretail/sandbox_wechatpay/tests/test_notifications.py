"""The sandbox's notifications, seen from the merchant's server: POSTed with WeChat Pay's
headers (Wechatpay-Timestamp, -Nonce, -Serial, -Signature over `timestamp\\nnonce\\nbody\\n`)
and an AES-256-GCM resource, sent again after a non-2xx answer, each attempt freshly
signed, until the merchant answers 2xx."""

import base64
import http.server
import json
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from omniretail.sandbox_wechatpay import wechat


class Merchant(http.server.BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Merchant.received.append((dict(self.headers), body))
        self.send_response(Merchant.answers.pop(0) if Merchant.answers else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def merchant():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Merchant)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Merchant.received.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/notify"
    server.shutdown()


def test_a_refused_notification_is_sent_again_signed_and_encrypted(merchant, settings):
    settings.OMNI_SANDBOX_DELIVERY_ATTEMPTS = 4
    settings.OMNI_SANDBOX_RETRY_BASE_S = 0.01
    Merchant.answers[:] = [500, 404]
    body = wechat.notification(
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource={"out_trade_no": "o-1", "amount": {"total": 3990}},
    )
    wechat._start(wechat._deliver, merchant, body)
    assert wechat.wait_for_deliveries(timeout=10)

    assert len(Merchant.received) == 3  # 500, 404, then 204: no fourth
    with open(settings.OMNI_WECHATPAY_PLATFORM_CERTS[0], "rb") as f:
        platform = x509.load_pem_x509_certificate(f.read())
    nonces = set()
    for headers, received in Merchant.received:
        assert received == body
        assert headers["Wechatpay-Serial"] == format(platform.serial_number, "X")
        message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n".encode()
        platform.public_key().verify(
            base64.b64decode(headers["Wechatpay-Signature"]),
            message + received + b"\n",
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        nonces.add(headers["Wechatpay-Nonce"])
    assert len(nonces) == 3
    resource = json.loads(body)["resource"]
    plain = AESGCM(settings.OMNI_WECHATPAY_API_V3_KEY.encode()).decrypt(
        resource["nonce"].encode(),
        base64.b64decode(resource["ciphertext"]),
        resource["associated_data"].encode(),
    )
    assert json.loads(plain) == {"out_trade_no": "o-1", "amount": {"total": 3990}}


def test_the_apiv2_signature_matches_wechats_published_example():
    """HMAC-SHA256 over the sorted, non-empty parameters with &key= appended (the example
    of WeChat Pay's 安全规范 page, its key 192006250b4c09247ec02edce69f6a2d)."""
    params = {
        "appid": "wxd930ea5d5a258f4f",
        "mch_id": "10000100",
        "device_info": "1000",
        "body": "test",
        "nonce_str": "ibuaiVcKdpRxkhJA",
        "sign": "ignored",
        "empty": "",
    }
    key = "192006250b4c09247ec02edce69f6a2d"
    assert wechat.v2_sign(params, key) == (
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
    )


def test_without_real_credentials_the_generated_sandbox_ones_are_used(settings):
    assert settings.OMNI_WECHATPAY_SANDBOXED
    assert len(settings.OMNI_WECHATPAY_API_V3_KEY.encode()) == 32
    assert settings.OMNI_SANDBOX_WECHATPAY_PLATFORM_SERIAL != settings.OMNI_WECHATPAY_CERT_SERIAL
