"""Statement exports: the CSV a party's accountant opens (UTF-8 with BOM, so Excel reads
the Chinese names)."""

import csv

from django.http import HttpResponse

from omniretail.supply.models import Statement
from omniretail.supply.selectors import statement_csv_rows


def statement_csv(statement: Statement) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"statement-{statement.period_start:%Y%m%d}-{statement.period_end:%Y%m%d}"
    response["Content-Disposition"] = f'attachment; filename="{name}-{statement.public_id}.csv"'
    response.write("\ufeff")
    csv.writer(response).writerows(statement_csv_rows(statement))
    return response
