"""Files the consoles hand to finance and operations staff."""

import csv

from django.http import HttpResponse


def csv_download(filename: str, header: list[str], rows) -> HttpResponse:
    """UTF-8 with a BOM, so Excel opens the Chinese headers as text."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
