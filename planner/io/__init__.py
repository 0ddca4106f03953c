"""Project files, reports, workbook export and table import. No Qt."""
