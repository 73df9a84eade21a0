"""Credentials for talking to the WeChat Pay sandbox, generated once into the data directory
(like `settings._generated_secret`): a merchant API key pair and certificate (apiclient_key.pem,
its serial), the sandbox's platform key pair and certificate (the one WeChat Pay signs its
answers and notifications with), the APIv3 key (AES-256-GCM) and the APIv2 key (HMAC-SHA256,
payment codes). Settings import this module: it imports only the standard library until it
has to generate."""

import os
import secrets
import shutil
import tempfile
from pathlib import Path

MCHID = "1900009191"
APPID = "wx8888888888888888"
FILES = {
    "private_key": "apiclient_key.pem",
    "certificate": "apiclient_cert.pem",
    "platform_key": "platform_key.pem",
    "platform_certificate": "platform_cert.pem",
}


def ensure(directory: Path) -> dict[str, str]:
    """The sandbox credentials in `directory`, generated on first use; two processes starting
    at once agree on one set (the directory is written whole, then renamed into place)."""
    if not (directory / "serials").exists():
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".wechatpay-", dir=directory.parent))
        _generate(staging)
        try:
            os.rename(staging, directory)
        except OSError:  # another process got there first
            shutil.rmtree(staging, ignore_errors=True)
    merchant_serial, platform_serial = (directory / "serials").read_text().split()
    return {
        "mchid": MCHID,
        "appid": APPID,
        "api_v3_key": (directory / "api_v3_key").read_text().strip(),
        "api_v2_key": (directory / "api_v2_key").read_text().strip(),
        "merchant_serial": merchant_serial,
        "platform_serial": platform_serial,
        **{name: str(directory / file) for name, file in FILES.items()},
    }


def _generate(directory: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    serials = []
    for key_file, cert_file, name in (
        ("private_key", "certificate", f"{MCHID} sandbox merchant"),
        ("platform_key", "platform_certificate", "Tenpay.com sandbox platform"),
    ):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        _write(
            directory / FILES[key_file],
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        _write(directory / FILES[cert_file], cert.public_bytes(serialization.Encoding.PEM))
        serials.append(format(cert.serial_number, "X"))
    _write(directory / "api_v3_key", secrets.token_urlsafe(24).encode())  # 32 characters
    _write(directory / "api_v2_key", secrets.token_hex(16).encode())  # 32 characters
    _write(directory / "serials", " ".join(serials).encode())


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)
