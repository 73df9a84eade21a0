"""`omniretail worker` runs the worker command of the configured task backend."""

import pytest

from omniretail.cli import worker_command


def test_the_database_backend_runs_db_worker():
    assert worker_command("django_tasks_db.DatabaseBackend")[0] == "db_worker"


def test_rq_runs_rqworker_with_the_job_class_that_runs_django_tasks():
    command = worker_command("django_tasks_rq.RQBackend")
    assert command[0] == "rqworker"
    assert command[command.index("--job-class") + 1] == "django_tasks_rq.Job"
    assert command[-1] == "default"


def test_rq_runs_jobs_in_the_worker_process_not_in_a_fork_sharing_its_connections():
    command = worker_command("django_tasks_rq.RQBackend")
    assert command[command.index("--worker-class") + 1] == "rq.worker.SimpleWorker"


def test_a_backend_without_a_worker_stops_with_one_line():
    with pytest.raises(SystemExit, match="ImmediateBackend has no worker"):
        worker_command("django_tasks.backends.immediate.ImmediateBackend")
