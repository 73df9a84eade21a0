"""A local stand-in for Alipay's open platform (支付宝开放平台), for the demo and the tests:
its gateway speaks Alipay's methods, parameters, RSA2 signatures and notifications, so the
platform's Alipay adapter runs unchanged against it. It plays a third party: it imports only
core and keeps its own tables (on SQLite in a database file of its own)."""
