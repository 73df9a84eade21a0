from django_tasks import task

from omniretail.inventory import services


@task()
def release_expired_reservations() -> int:
    return services.release_expired_reservations()
