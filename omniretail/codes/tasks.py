"""Background work of the codes programme: batch generation, and the sweep that finishes a
batch whose job was lost."""

from django_tasks import task

from omniretail.codes import services
from omniretail.core.logs import carries_request_id
from omniretail.core.scheduler import every


@task()
@carries_request_id
def generate_batch_task(batch_id: int) -> int:
    return services.generate_batch(batch_id=batch_id)


PERIODIC = [every(minutes=1)(services.resume_unfinished_batches)]
