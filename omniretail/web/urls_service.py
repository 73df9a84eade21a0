"""Customer service pages, in the `web:` namespace (included by urls.py)."""

from django.urls import path

from omniretail.web import views_service as v

urlpatterns = [
    # shoppers
    path("service/", v.chat_page, name="service_chat"),
    path("service/ask/", v.ask, name="service_ask"),
    path("service/c/<str:public_id>/", v.transcript, name="service_transcript"),
    path("service/c/<str:public_id>/rate/", v.rate, name="service_rate"),
    path("service/complaints/", v.my_complaints, name="service_complaints"),
    path("service/complaints/new/", v.file_complaint, name="service_complaint_new"),
    path("service/complaints/<str:public_id>/", v.my_complaint, name="service_complaint"),
    # the agent console
    path("merchant/service/", v.console, name="m_service"),
    path("merchant/service/queue/", v.console_queue, name="m_service_queue"),
    path("merchant/service/canned/", v.add_canned, name="m_service_canned"),
    path("merchant/service/presence/", v.presence, name="m_service_presence"),
    path("merchant/service/settings/", v.service_settings, name="m_service_settings"),
    path(
        "merchant/service/settings/save/",
        v.service_settings_save,
        name="m_service_settings_save",
    ),
    path("merchant/service/c/<str:public_id>/", v.conversation, name="m_service_conversation"),
    path(
        "merchant/service/c/<str:public_id>/transcript/",
        v.agent_transcript,
        name="m_service_transcript",
    ),
    path("merchant/service/c/<str:public_id>/claim/", v.claim, name="m_service_claim"),
    path("merchant/service/c/<str:public_id>/reply/", v.reply, name="m_service_reply"),
    path("merchant/service/c/<str:public_id>/close/", v.close, name="m_service_close"),
    path("merchant/service/c/<str:public_id>/transfer/", v.transfer, name="m_service_transfer"),
    path("merchant/service/faq/", v.faq, name="m_service_faq"),
    path("merchant/service/faq/save/", v.faq_save, name="m_service_faq_save"),
    path("merchant/service/faq/import/", v.faq_import, name="m_service_faq_import"),
    path("merchant/service/faq/<str:public_id>/delete/", v.faq_delete, name="m_service_faq_delete"),
    # complaints at the merchant (answer) and the platform (resolve)
    path("merchant/complaints/", v.complaint_desk, name="m_complaints"),
    path("merchant/complaints/<str:public_id>/", v.complaint_detail, name="m_complaint"),
    path(
        "merchant/complaints/<str:public_id>/answer/",
        v.complaint_answer,
        name="m_complaint_answer",
    ),
    path(
        "merchant/complaints/<str:public_id>/resolve/",
        v.complaint_resolve,
        name="m_complaint_resolve",
    ),
]
