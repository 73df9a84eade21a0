"""A stand-in for Tencent Cloud FaceID (faceid.tencentcloudapi.com) on this machine, for
development and tests only: API 3.0's IdCardVerification, TC3-HMAC-SHA256 checked as the real
service checks it. Mounted at /sandbox-tencentcloud/ where OMNI_SANDBOX_TENCENTCLOUD is on."""
