from django_tasks import task

from omniretail.orders import services


@task()
def expire_unpaid_orders() -> int:
    return services.expire_unpaid_orders()
