"""Catalogue admin. Staff of a producer or merchant see and edit their own organisations'
products only; review (approve / reject), merchandising flags and categories belong to the
platform. Review goes through the services, so the admin follows the same workflow."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.accounts.admin_scoping import OrganizationScopedAdmin, ReadOnlyAdmin
from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.catalog import search, services
from omniretail.catalog.models import (
    Brand,
    Category,
    HotWord,
    Product,
    ProductImage,
    ProductMerge,
    SearchHistory,
    SearchLog,
    Sku,
    SpecAttribute,
    SuggestTerm,
)
from omniretail.core.errors import DomainError

REJECTION_REASON = gettext_lazy("未通过平台审核，请按平台规则修改后重新提交。")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug", "parent", "position", "icon", "is_active"]
    list_filter = ["is_active", "parent"]
    list_editable = ["position", "is_active"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    ordering = ["parent__position", "position", "name"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and is_platform_operator(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and is_platform_operator(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and is_platform_operator(request.user)


@admin.register(Brand)
class BrandAdmin(OrganizationScopedAdmin):
    organization_path = "producer"
    list_display = ["name", "producer", "public_id"]
    list_filter = ["producer"]
    search_fields = ["name", "public_id", "producer__name"]
    readonly_fields = ["public_id"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "producer" and not is_platform_operator(request.user):
            kwargs["queryset"] = organizations_of(request.user, kinds=[Organization.Kind.PRODUCER])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0
    fields = ["code", "name", "price", "attributes", "is_active", "public_id"]
    readonly_fields = ["public_id"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["name", "url", "sku", "alt", "position", "is_cover"]
    readonly_fields = ["name"]  # files come through the product's pictures page


@admin.register(Product)
class ProductAdmin(OrganizationScopedAdmin):
    list_display = [
        "name",
        "owner",
        "category",
        "brand",
        "price",
        "status",
        "is_featured",
        "is_special_offer",
        "is_free_sample",
        "updated_at",
    ]
    list_filter = [
        "status",
        "is_featured",
        "is_special_offer",
        "is_free_sample",
        "category",
        "owner__kind",
    ]
    search_fields = ["name", "subtitle", "public_id", "skus__code", "brand__name", "owner__name"]
    list_select_related = ["owner", "category", "brand"]
    date_hierarchy = "created_at"
    inlines = [SkuInline, ProductImageInline]
    actions = ["submit_selected", "approve_selected", "reject_selected"]
    platform_only_fields = ["is_featured", "is_special_offer", "is_free_sample"]
    readonly_fields = [
        "public_id",
        "status",
        "rejection_reason",
        "submitted_at",
        "reviewed_at",
        "reviewed_by",
        "price",
        "search_text",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not is_platform_operator(request.user):
            fields += self.platform_only_fields
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner" and not is_platform_operator(request.user):
            kwargs["queryset"] = organizations_of(request.user, kinds=services.LISTING_KINDS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # An owner's edit of what shoppers read sends an approved product back to review,
        # as services.update_product does.
        edited = set(form.changed_data) & services.CONTENT_FIELDS
        if (
            change
            and edited
            and obj.status == Product.Status.APPROVED
            and not is_platform_operator(request.user)
        ):
            obj.status = Product.Status.SUBMITTED
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_price(form.instance)
        services.reindex_product(form.instance)

    def delete_model(self, request, obj):
        search.drop_from_index(obj.pk)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            search.drop_from_index(pk)
        super().delete_queryset(request, queryset)

    def _run(self, request, queryset, action, done_message):
        done = 0
        for product in queryset:
            try:
                action(product)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{product}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    def has_review_permission(self, request):
        return is_platform_operator(request.user)

    @admin.action(description=gettext_lazy("提交审核"), permissions=["change"])
    def submit_selected(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda p: services.submit_product(actor=request.user, product=p),
            _("已提交 %(n)s 个商品。"),
        )

    @admin.action(description=gettext_lazy("审核通过"), permissions=["review"])
    def approve_selected(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda p: services.review_product(actor=request.user, product=p, approve=True),
            _("已通过 %(n)s 个商品。"),
        )

    @admin.action(description=gettext_lazy("驳回"), permissions=["review"])
    def reject_selected(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda p: services.review_product(
                actor=request.user, product=p, approve=False, reason=str(REJECTION_REASON)
            ),
            _("已驳回 %(n)s 个商品。"),
        )


@admin.register(Sku)
class SkuAdmin(OrganizationScopedAdmin):
    organization_path = "product__owner"
    list_display = ["code", "name", "product", "price", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "product__name", "public_id"]
    list_select_related = ["product"]
    readonly_fields = ["public_id", "product"]

    def has_add_permission(self, request):
        return False  # SKUs are added on their product's page

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_price(obj.product)


@admin.register(ProductImage)
class ProductImageAdmin(OrganizationScopedAdmin):
    organization_path = "product__owner"
    list_display = ["__str__", "product", "position", "is_cover"]
    search_fields = ["product__name", "name", "url"]
    list_select_related = ["product"]
    readonly_fields = ["product", "name", "width", "height"]

    def has_add_permission(self, request):
        return False  # images are added on their product's page


@admin.register(SpecAttribute)
class SpecAttributeAdmin(ReadOnlyAdmin):
    """Axes are set on the product's specs page, which keeps the SKUs in step."""

    list_display = ["product", "name", "values", "position"]
    search_fields = ["product__name", "name"]
    list_select_related = ["product"]


@admin.register(HotWord)
class HotWordAdmin(ReadOnlyAdmin):
    """Pinned and banned on /ops/search/hot-words/; scores come from the job."""

    list_display = ["word", "score", "pinned_position", "is_banned", "updated_at"]
    list_filter = ["is_banned"]
    search_fields = ["word"]


@admin.register(SuggestTerm)
class SuggestTermAdmin(ReadOnlyAdmin):
    list_display = ["text", "kind", "key"]
    list_filter = ["kind"]
    search_fields = ["text", "key"]


@admin.register(SearchLog)
class SearchLogAdmin(ReadOnlyAdmin):
    list_display = ["query", "result_count", "created_at"]
    search_fields = ["query"]


@admin.register(SearchHistory)
class SearchHistoryAdmin(ReadOnlyAdmin):
    list_display = ["query", "searched_at"]
    search_fields = ["query"]


@admin.register(ProductMerge)
class ProductMergeAdmin(ReadOnlyAdmin):
    """Merges are made and undone on the data-quality page or the API (catalog.merge),
    never by hand; only the platform sees them."""

    list_display = ["duplicate", "keep", "merged_by", "merged_at", "undone_by", "undone_at"]
    search_fields = ["public_id", "duplicate__name", "keep__name"]
    list_select_related = ["duplicate", "keep", "merged_by", "undone_by"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if is_platform_operator(request.user) else qs.none()
