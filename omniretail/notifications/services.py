from django.utils.translation import gettext as _

from omniretail.notifications.backends import SmsMessage, sms_backend

TEMPLATES = {
    "login_code": lambda ctx: (
        _("【全渠道零售】您的登录验证码是 %(code)s，%(minutes)s 分钟内有效。") % ctx
    ),
}


def send_sms(*, phone: str, template: str, context: dict) -> SmsMessage:
    message = SmsMessage(phone=phone, text=TEMPLATES[template](context), template=template)
    sms_backend().send(message)
    return message
