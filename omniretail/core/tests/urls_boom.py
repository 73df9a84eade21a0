"""A URLconf with one view that fails, for the logging test."""

from django.urls import path


def boom(request):
    raise RuntimeError("炸了：测试用的未处理异常")


urlpatterns = [path("boom/", boom)]
