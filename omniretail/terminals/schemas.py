from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class TerminalIn(Schema):
    name: str = Field(..., max_length=60, description="shown to staff, e.g. 收银台 1")


class TerminalOut(Schema):
    id: str
    name: str
    key_id: str
    last_seen_at: datetime | None
    revoked_at: datetime | None


class TerminalCreatedOut(TerminalOut):
    credential: str = Field(..., description="`<key_id>.<secret>`, shown only this once")


class TerminalSaleIn(Schema):
    terminal: str = Field(..., description="the terminal's id")
    intent: str = Field(..., description="an open intent of this merchant, provider card_terminal")


class TerminalCardOut(Schema):
    scheme: str
    last4: str


class TerminalJobOut(Schema):
    id: str
    kind: Literal["sale", "refund"]
    status: Literal["pending", "sent", "approved", "declined", "cancelled"]
    amount: str = Field(..., description="CNY, two decimals")
    currency: Literal["CNY"] = "CNY"
    description: str
    intent_id: str
    card: TerminalCardOut | None = None
    auth_code: str = ""
    terminal_reference: str = ""
    decline_reason: str = ""


class TerminalCardIn(Schema):
    scheme: str = Field("", description="UnionPay, Visa, Mastercard, JCB, AMEX or QuickPass")
    last4: str = Field("", description="the card number's last four digits")


class TerminalResultIn(Schema):
    outcome: Literal["approved", "declined"]
    amount: str = Field(..., description="the job's amount, echoed")
    card: TerminalCardIn | None = None
    auth_code: str = Field("", max_length=32)
    terminal_reference: str = Field(..., description="the terminal's own trace number")
    reason: str = Field("", max_length=120, description="why declined, for staff")


class TerminalResultOut(Schema):
    job: TerminalJobOut
    duplicate: bool
