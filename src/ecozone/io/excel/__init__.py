"""The clerk's workbook: guard (hostile files), read, template, marked copy, layout (sheet and column names)."""
