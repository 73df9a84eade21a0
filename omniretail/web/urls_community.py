"""Community pages, in the `web:` namespace (included by urls.py)."""

from django.urls import path

from omniretail.web import views_community as v

urlpatterns = [
    path("community/", v.groups, name="community"),
    path("community/new/", v.group_new, name="community_new"),
    path("community/share/", v.share, name="community_share"),
    path("community/join/<str:token>/", v.join_link, name="community_join_link"),
    path("community/g/<str:public_id>/", v.group_page, name="community_group"),
    path("community/g/<str:public_id>/join/", v.join, name="community_join"),
    path("community/g/<str:public_id>/leave/", v.leave, name="community_leave"),
    path("community/g/<str:public_id>/messages/", v.poll, name="community_poll"),
    path("community/g/<str:public_id>/send/", v.send, name="community_send"),
    path(
        "community/g/<str:public_id>/m/<str:message_id>/<str:action>/",
        v.message_action,
        name="community_message_action",
    ),
    path("community/g/<str:public_id>/members/", v.members, name="community_members"),
    path("community/g/<str:public_id>/settings/", v.group_settings, name="community_settings"),
    path(
        "community/g/<str:public_id>/members/<str:user_id>/<str:action>/",
        v.member_action,
        name="community_member_action",
    ),
    # boards (频道): posts, comments, likes, reports
    path("community/boards/", v.boards_page, name="community_boards"),
    path("community/boards/<slug:slug>/", v.board_page, name="community_board"),
    path("community/posts/<str:public_id>/", v.post_page, name="community_post"),
    path(
        "community/posts/<str:public_id>/<str:action>/", v.post_action, name="community_post_action"
    ),
    # the platform's prohibited words and the moderation audit
    path("ops/community/words/", v.words, name="ops_community_words"),
]
